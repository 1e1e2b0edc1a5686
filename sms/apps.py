from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "sms"
    label = "sms"
    verbose_name = "SMS"

    def ready(self) -> None:
        # Imported here, not at the top: models must be loaded before the services are.
        from sms import checks, subscribers  # noqa: F401, PLC0415 - checks registers itself

        subscribers.subscribe()
