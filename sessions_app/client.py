"""The client's address, read one way everywhere: the API's throttles, the pages' limits and the
log lines about them.

settings.TRUSTED_PROXY_COUNT says how many reverse proxies stand in front of Hearth. With 0,
X-Forwarded-For is ignored: anyone can send it, so the address is the socket's peer. With N,
the address is the Nth entry from the right of X-Forwarded-For, the one the nearest trusted
proxy saw (each proxy appends its peer, so what lies left of that was written by the client);
with fewer entries than N, or a chosen entry that is not an address, the peer again.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings


def _from_forwarded_for(forwarded_for: str, peer: str) -> str:
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not forwarded_for:
        return peer
    entries = [entry.strip() for entry in forwarded_for.split(",")]
    if len(entries) < count:
        return peer
    chosen = entries[-count]
    try:
        return str(ipaddress.ip_address(chosen))
    except ValueError:
        return peer


def client_address(request_or_meta: Any) -> str:
    """The client's address for a Django or DRF request, or a request's META."""
    meta: Mapping[str, str] = getattr(request_or_meta, "META", request_or_meta)
    peer = meta.get("REMOTE_ADDR") or ""
    return _from_forwarded_for(meta.get("HTTP_X_FORWARDED_FOR", ""), peer)


def scope_client_address(scope: Mapping[str, Any]) -> str:
    """The same for an ASGI scope (a WebSocket's): the peer from scope["client"], the header
    from scope["headers"] (repeated headers joined, as Django joins them)."""
    client = scope.get("client") or ("", 0)
    peer = str(client[0] or "")
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    ]
    return _from_forwarded_for(",".join(forwarded), peer)
