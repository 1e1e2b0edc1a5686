from django.urls import path

from sms import views

urlpatterns = [
    path("sms/inbound/", views.inbound, name="sms-inbound"),
    path("sms/status/", views.status, name="sms-status"),
]
