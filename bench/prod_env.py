"""Production-like settings for the benchmarks, so every bench starts with DEBUG off.

With DEBUG on, Django keeps every SQL string it runs and serves slower; with DEBUG off,
Hearth refuses to start without SECRET_KEY and NOTES_ENCRYPTION_KEYS. These throwaway
values (never for a real deployment) fill in whatever the caller's environment leaves unset.
"""

from __future__ import annotations

import base64
import os
import secrets

BENCH_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 32,
    "EMAIL_URL": "memorymail://",
    "LOG_LEVEL": "WARNING",
}


def production_env(environ: dict[str, str] | os._Environ = os.environ) -> dict[str, str]:
    """The bench settings that `environ` does not set, with a fresh Fernet note key."""
    out = {k: v for k, v in BENCH_ENV.items() if k not in environ}
    if "NOTES_ENCRYPTION_KEYS" not in environ:
        out["NOTES_ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return out


def use_production_env() -> None:
    """Fill os.environ (before django.setup()) with the bench settings it lacks."""
    os.environ.update(production_env())
