from django.apps import AppConfig


class FacilitatorsConfig(AppConfig):
    name = "facilitators"
    verbose_name = "Facilitators"

    def ready(self):
        from facilitators import checks  # noqa: F401 - registers the system checks
