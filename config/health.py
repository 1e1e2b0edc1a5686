"""GET /healthz: does each dependency answer? 200 when all do, 503 naming what is down."""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _layer_round_trip(timeout: float) -> None:
    """Send a message to a throwaway channel and read it back."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def round_trip():
        channel = await layer.new_channel("healthz.")
        await layer.send(channel, {"type": "healthz.ping"})
        message = await layer.receive(channel)
        if message.get("type") != "healthz.ping":
            raise RuntimeError("the channel layer returned another message")

    await asyncio.wait_for(round_trip(), timeout=timeout)


def channel_layer_check() -> None:
    async_to_sync(_layer_round_trip)(settings.HEALTHZ_TIMEOUT_SECONDS)


CHECKS = {"database": database_check, "channel_layer": channel_layer_check}


@never_cache
@require_GET
def healthz(request):
    states = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "down"; the log says which
            logger.warning("healthz: %s is down: %r", name, exc)
            states[name] = "down"
        else:
            states[name] = "ok"
    ok = all(state == "ok" for state in states.values())
    return JsonResponse(states, status=200 if ok else 503)
