"""Mail from the environment (EMAIL_URL): production without it sends no mail at all, and a
password reset's link goes to the mail backend, never into the server's log.

Settings are read once per process, so each case runs Django in a subprocess of its own.
"""

import subprocess
import sys

from cryptography.fernet import Fernet

from tests.servers import ROOT, server_env

SMTP_PASSWORD = "s3cret-smtp-pass"  # noqa: S105 - a test value


def _env(**overrides: str) -> dict[str, str]:
    env = server_env()
    for name in ("EMAIL_URL", "EMAIL_BACKEND", "SECRET_KEY", "NOTES_ENCRYPTION_KEYS"):
        env.pop(name, None)
    env.update(overrides)
    return env


def _production(**overrides: str) -> dict[str, str]:
    """DEBUG off with the production secrets that are not about mail."""
    return _env(
        DEBUG="False",
        SECRET_KEY="mail-test-" + "x" * 50,
        NOTES_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        **overrides,
    )


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


PRINT_MAIL_SETTINGS = """
from django.conf import settings as s
print("|".join(str(getattr(s, n)) for n in (
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_USE_TLS",
    "EMAIL_USE_SSL", "EMAIL_TIMEOUT", "DEFAULT_FROM_EMAIL")))
print(s.EMAIL_HOST_PASSWORD == %r)
"""


def _mail_settings(env: dict[str, str]) -> list[str]:
    result = _run(env, "shell", "-c", PRINT_MAIL_SETTINGS % SMTP_PASSWORD)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return [*lines[-2].split("|"), lines[-1]]


def test_production_without_email_url_starts_with_mail_off_and_says_so():
    result = _run(_production(), "check")
    assert result.returncode == 0, result.stderr
    assert "EMAIL_URL is not set with DEBUG off: Hearth sends no mail" in result.stderr
    backend, *_ = _mail_settings(_production())
    assert backend == "config.mail.MailOffBackend"


def test_embedded_default_is_the_console_backend():
    backend, *_ = _mail_settings(_env(DEBUG="True"))
    assert backend == "django.core.mail.backends.console.EmailBackend"


def test_smtp_tls_url_sets_host_port_credentials_and_tls():
    env = _production(
        EMAIL_URL=f"smtp+tls://hearth%40example.org:{SMTP_PASSWORD}@smtp.example.org:587",
        DEFAULT_FROM_EMAIL="Hearth <no-reply@example.org>",
    )
    assert _mail_settings(env) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "hearth@example.org",
        "True",
        "False",
        "10",
        "Hearth <no-reply@example.org>",
        "True",
    ]


def test_smtp_ssl_url_without_a_port_uses_465():
    settings = _mail_settings(_production(EMAIL_URL="smtp+ssl://smtp.example.org"))
    assert settings[:6] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "465",
        "",
        "False",
        "True",
    ]


def test_memorymail_is_the_in_memory_backend():
    backend, *_ = _mail_settings(_production(EMAIL_URL="memorymail://"))
    assert backend == "django.core.mail.backends.locmem.EmailBackend"


def test_an_unknown_scheme_is_a_clear_error_that_does_not_echo_the_password():
    result = _run(_production(EMAIL_URL=f"smpt://user:{SMTP_PASSWORD}@smtp.example.org"), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_URL" in result.stderr
    assert "smpt" in result.stderr
    assert SMTP_PASSWORD not in result.stdout + result.stderr


def test_an_unreadable_url_is_a_clear_error_that_does_not_echo_the_password():
    # An unencoded "/" in the password makes the rest look like the port.
    result = _run(_production(EMAIL_URL="smtp://user:s3cret/pass@smtp.example.org"), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_URL cannot be read as a URL" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr


def test_console_mail_in_production_starts_with_a_warning():
    result = _run(_production(EMAIL_URL="consolemail://"), "check")
    assert result.returncode == 0, result.stderr
    assert "EMAIL_URL is consolemail://" in result.stderr


def test_no_console_warning_with_a_real_backend():
    result = _run(_production(EMAIL_URL="memorymail://"), "check")
    assert result.returncode == 0, result.stderr
    assert "consolemail" not in result.stderr


PASSWORD_RESET = """
from django.core import mail
from django.core.management import call_command
from django.test import Client
from sessions_app.models import User
call_command("migrate", verbosity=0)
User.objects.create_user("dana", "dana@example.org", "a-long-enough-password-1")
response = Client().post("/accounts/password-reset/", {"email": "dana@example.org"})
print("STATUS", response.status_code)
print("OUTBOX", len(mail.outbox))
print("LINK_IN_MAIL", "/accounts/reset/" in mail.outbox[0].body)
"""


def test_password_reset_sends_one_mail_and_logs_no_link(tmp_path):
    env = _production(
        EMAIL_URL="memorymail://",
        DATABASE_URL=f"sqlite:///{tmp_path / 'mail.sqlite3'}",
        LOG_LEVEL="DEBUG",
    )
    result = _run(env, "shell", "-c", PASSWORD_RESET)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "STATUS 302" in result.stdout
    assert "OUTBOX 1" in result.stdout
    assert "LINK_IN_MAIL True" in result.stdout
    assert "/accounts/reset/" not in output


def test_password_reset_without_email_url_in_production_sends_and_prints_nothing(tmp_path):
    env = _production(DATABASE_URL=f"sqlite:///{tmp_path / 'off.sqlite3'}", LOG_LEVEL="DEBUG")
    script = PASSWORD_RESET.split('print("OUTBOX"')[0]  # there is no outbox to look in
    result = _run(env, "shell", "-c", script)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "STATUS 302" in result.stdout  # the same answer as when mail works
    assert "/accounts/reset/" not in output
    assert "1 mail(s) not sent: EMAIL_URL is not set" in result.stderr
