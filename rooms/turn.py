"""Time-limited TURN credentials in coturn's REST scheme (`use-auth-secret`): the username is
"<expiry unix time>:<user id>" and the password base64(HMAC-SHA1(secret, username)). coturn
checks the HMAC with its `static-auth-secret` and refuses the username once its time passed."""

from __future__ import annotations

import base64
import hashlib
import hmac


def turn_credentials(*, secret: str, user_id: int, expires_at: int) -> tuple[str, str]:
    """(username, credential) for RTCIceServer, valid until `expires_at` (unix seconds)."""
    username = f"{int(expires_at)}:{int(user_id)}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")
