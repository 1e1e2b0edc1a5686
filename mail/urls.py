from django.urls import path

from mail import views

urlpatterns = [
    path("mail/unsubscribe/<str:token>/", views.unsubscribe, name="mail-unsubscribe"),
]
