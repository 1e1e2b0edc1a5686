"""Encryption of note content at rest: MultiFernet over NOTES_ENCRYPTION_KEYS (newest first).

The keys are their own secret, never derived from SECRET_KEY. Production (DEBUG off) refuses to
start without them (config/settings.py). The embedded run, with no keys set, uses a key file
under var/ that it generates once and says so in the log.

Each token is stored with the id of the key that made it (a truncated SHA-256 of the key: it
names the key without revealing it), so rotation can skip rows already on the newest key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

__all__ = ["InvalidToken", "current_keys", "decrypt", "encrypt", "key_id", "newest_key_id"]


def key_id(key: str) -> str:
    """A short, stable name for a key (16 hex digits of its SHA-256)."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:16]


def _local_key(path: Path) -> str:
    """Read the embedded run's key file, creating it (mode 600) the first time."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process of the embedded run got there first: use its key.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    logger.warning(
        "NOTES_ENCRYPTION_KEYS is not set: generated a local notes encryption key at %s for "
        "the embedded run. Production must set NOTES_ENCRYPTION_KEYS.",
        path,
    )
    return key


def current_keys() -> tuple[str, ...]:
    """The keys in use, newest first."""
    keys = tuple(k.strip() for k in settings.NOTES_ENCRYPTION_KEYS if k and k.strip())
    if keys:
        return keys
    local_file = getattr(settings, "NOTES_LOCAL_KEY_FILE", None)
    if local_file:
        return (_local_key(Path(local_file)),)
    raise ImproperlyConfigured(
        "NOTES_ENCRYPTION_KEYS is not set: session notes cannot be encrypted. Set it to one or "
        "more comma-separated Fernet keys, newest first (python -c 'from cryptography.fernet "
        "import Fernet; print(Fernet.generate_key().decode())')."
    )


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # Never echo the key itself.
            raise ImproperlyConfigured(
                f"NOTES_ENCRYPTION_KEYS: key number {position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from None
    return MultiFernet(fernets)


def newest_key_id() -> str:
    return key_id(current_keys()[0])


def encrypt(content: dict) -> tuple[str, str]:
    """Encrypt a JSON-serialisable dict with the newest key: (token, key id)."""
    keys = current_keys()
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _multifernet(keys).encrypt(data).decode("ascii"), key_id(keys[0])


def decrypt(token: str) -> dict:
    """Decrypt a token made with any of the current keys. Raises InvalidToken otherwise."""
    return json.loads(_multifernet(current_keys()).decrypt(token.encode("ascii")))


def rotate(token: str) -> tuple[str, str]:
    """Re-encrypt a token under the newest key: (new token, newest key id)."""
    keys = current_keys()
    return _multifernet(keys).rotate(token.encode("ascii")).decode("ascii"), key_id(keys[0])


def check_configured_keys() -> list[str]:
    """Problems with NOTES_ENCRYPTION_KEYS as set, as messages (empty when usable or unset)."""
    keys = tuple(k.strip() for k in settings.NOTES_ENCRYPTION_KEYS if k and k.strip())
    if not keys:
        return []
    try:
        _multifernet(keys)
    except ImproperlyConfigured as exc:
        return [str(exc)]
    return []
