from django.apps import AppConfig


class FacilitatorsConfig(AppConfig):
    name = "facilitators"
    verbose_name = "Facilitators"

    def ready(self):
        # In ready(): the checks read settings and models, which are loaded only now.
        from facilitators import checks  # noqa: F401, PLC0415 - registers the system checks
