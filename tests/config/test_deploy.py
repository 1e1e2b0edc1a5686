"""The production settings: `check --deploy` is quiet with the environment docs/deploy.md
documents, HSTS comes from the environment, and /healthz answers over plain HTTP."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[2]


def documented_environment() -> dict[str, str]:
    """The NAME=value pairs of the environment block in docs/deploy.md, with its placeholders
    ("...", "AC...") filled in and the services pointed at this machine."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    block = text.split("## Environment", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    documented = {}
    for line in block.splitlines():
        line = line.split("#", 1)[0]
        documented.update(re.findall(r"([A-Z][A-Z0-9_]*)=(\S+)", line))
    filled = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "NOTES_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32,
    }
    for name, value in documented.items():
        if "..." in value:
            assert name in filled, f"docs/deploy.md: no test value for the placeholder {name}"
            documented[name] = filled[name]
    return documented


def run_django(environment: dict[str, str], *args: str, tmp_path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        **environment,
        # Local stand-ins for the services: nothing leaves this machine.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/11",
        # Mandatory with DEBUG=False once email sending is configured by URL.
        "EMAIL_URL": "consolemail://",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_with_the_documented_environment(tmp_path):
    environment = documented_environment()
    assert environment["DEBUG"] == "False"
    result = run_django(
        environment, "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PRINT_HSTS = (
    "shell",
    "--verbosity",
    "0",
    "-c",
    "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
    "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_REDIRECT_EXEMPT)",
)


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ({}, "0 True False ['^healthz$']"),
        (
            {"SECURE_HSTS_SECONDS": "3600", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "False"},
            "3600 False False ['^healthz$']",
        ),
        (
            {"SECURE_HSTS_SECONDS": "31536000", "SECURE_HSTS_PRELOAD": "True"},
            "31536000 True True ['^healthz$']",
        ),
    ],
)
def test_hsts_comes_from_the_environment(tmp_path, given, printed):
    base = {
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "NOTES_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "hearth.example.org",
    }
    result = run_django({**base, **given}, *PRINT_HSTS, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == printed


@pytest.mark.django_db
def test_with_the_https_redirect_on_healthz_still_answers_over_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = django_settings.SECURE_REDIRECT_EXEMPT
    assert settings.SECURE_REDIRECT_EXEMPT == [r"^healthz$"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    redirected = client.get("/groups/")
    assert (redirected.status_code, redirected["Location"]) == (301, "https://testserver/groups/")
