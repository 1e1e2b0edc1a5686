from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    label = "mail"
    verbose_name = "Email"

    def ready(self) -> None:
        # Imported here, not at the top: models must be loaded before the services are.
        from mail import subscribers  # noqa: PLC0415

        subscribers.subscribe()
