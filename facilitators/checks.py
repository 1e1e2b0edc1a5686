"""System checks for the notes keys (run by `manage.py check` and at start-up)."""

from django.conf import settings
from django.core import checks

from facilitators.crypto import check_configured_keys


@checks.register(checks.Tags.security)
def notes_keys_valid(app_configs, **kwargs):
    return [
        checks.Error(message, hint="Generate one with Fernet.generate_key().", id="hearth.E101")
        for message in check_configured_keys()
    ]


@checks.register(checks.Tags.security, deploy=True)
def notes_keys_not_local(app_configs, **kwargs):
    if settings.NOTES_ENCRYPTION_KEYS:
        return []
    return [
        checks.Error(
            "NOTES_ENCRYPTION_KEYS is not set: notes would be encrypted with the embedded run's "
            "local key file, which is not a production secret.",
            hint="Set NOTES_ENCRYPTION_KEYS to comma-separated Fernet keys, newest first.",
            id="hearth.E102",
        )
    ]
