from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "sessions_app.sms"
    label = "sms"
    verbose_name = "SMS"
