"""Account phone and SMS settings, and the outbound SMS log."""

from django.urls import path

from api import views_sms

urlpatterns = [
    path("me/", views_sms.MeView.as_view(), name="me"),
    path("me/phone/", views_sms.PhoneView.as_view(), name="me-phone"),
    path("me/phone/verify/", views_sms.PhoneVerifyView.as_view(), name="me-phone-verify"),
    path("sms/messages/", views_sms.OutboundSmsList.as_view(), name="sms-messages"),
]
