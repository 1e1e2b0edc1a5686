"""GET /healthz: a real database query and a real round trip through the channel layer."""

import socket

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test import override_settings

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.redis
def test_healthy_with_redis_channel_layer(client):
    import os

    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {"database": "ok", "channel_layer": "ok"},
    )


def test_channel_layer_down_is_503_naming_it(client):
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers, HEALTHZ_TIMEOUT_SECONDS=1.0):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "down"}


def test_database_down_is_503_naming_it(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # Django's own connection refuses, as it does when the server is gone.
    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "channel_layer": "ok"}
