"""EMAIL_URL read into Django's EMAIL_* settings (config/settings.py, the Mail section).

EMAIL_URL takes django-environ's schemes: smtp://host:25, smtp+tls://user:pass@host:587,
smtp+ssl://user:pass@host:465, consolemail://, memorymail:// (tests). Password-reset mails
carry working links and the console backend prints them into the server's log, so the console
is only the embedded default: with DEBUG off and no EMAIL_URL, mail is off
(config.mail.MailOffBackend). The URL is never kept in a setting of its own, and the errors
never repeat it or the parser's words: either may hold the password.
"""

from __future__ import annotations

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

MAIL_OFF = "mailoff://"


def email_settings(url: str, *, debug: bool) -> dict[str, Any]:
    """EMAIL_BACKEND, EMAIL_USE_TLS/SSL, EMAIL_HOST/PORT and EMAIL_HOST_USER/PASSWORD."""
    if not url:
        # Production without a mail server sends nothing and prints nothing, and says so at
        # start (sessions_app/apps.py) and at each refused mail. It does not stop: the settings
        # a server is configured with (CONTRACT.md) do not include EMAIL_URL.
        url = "consolemail://" if debug else MAIL_OFF
    try:
        parsed = (
            {"EMAIL_BACKEND": "config.mail.MailOffBackend"}
            if url == MAIL_OFF
            else environ.Env.email_url_config(url)
        )
    except ImproperlyConfigured:
        raise ImproperlyConfigured(
            f"EMAIL_URL has a scheme Hearth does not know ({url.split(':', 1)[0]}://): use "
            "smtp://, smtp+tls://, smtp+ssl://, consolemail:// or memorymail://."
        ) from None
    except ValueError:
        raise ImproperlyConfigured(
            "EMAIL_URL cannot be read as a URL: is the port a number? Percent-encode the user "
            "and password (urllib.parse.quote(value, safe=''): '/' is %2F, '@' is %40)."
        ) from None
    use_tls = bool(parsed.get("EMAIL_USE_TLS", False))
    use_ssl = bool(parsed.get("EMAIL_USE_SSL", False))
    return {
        "EMAIL_BACKEND": parsed["EMAIL_BACKEND"],
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_HOST": parsed.get("EMAIL_HOST") or "localhost",
        "EMAIL_PORT": parsed.get("EMAIL_PORT") or (465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": parsed.get("EMAIL_HOST_USER") or "",
        "EMAIL_HOST_PASSWORD": parsed.get("EMAIL_HOST_PASSWORD") or "",
    }
