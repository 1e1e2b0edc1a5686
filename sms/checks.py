"""System checks of the texts (run by `manage.py check` and at start-up)."""

from django.conf import settings
from django.core import checks

from sessions_app import selectors
from sms import bodies


@checks.register()
def reminder_links_fit(app_configs, **kwargs):
    """A reminder carries a one-tap link only if it fits in one GSM-7 segment; a long or
    non-GSM-7 PUBLIC_BASE_URL means reminders go without (and say so)."""
    largest = 62**6 - 1  # the longest ids session_link_max_url_length allows for
    longest = selectors.session_link_url(session_id=largest, user_id=largest)
    problems = [
        language
        for language, _name in settings.LANGUAGES
        if not bodies.link_fits(longest, language=language)
    ]
    if not problems:
        return []
    return [
        checks.Warning(
            f"PUBLIC_BASE_URL ({len(settings.PUBLIC_BASE_URL)} characters) is too long or not "
            f"GSM-7: reminders in {', '.join(problems)} will carry no one-tap link.",
            hint="Use a shorter public address (a short domain) so a link fits in one text.",
            id="hearth.W201",
        )
    ]
