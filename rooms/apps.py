from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    label = "rooms"
    verbose_name = "Live rooms"

    def ready(self) -> None:
        # Imported here, not at the top: models must be loaded before the services are.
        from rooms import subscribers  # noqa: PLC0415

        subscribers.subscribe()
