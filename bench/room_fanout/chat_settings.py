"""Standalone Django settings for the Channels tutorial chat (the peer). No database use.

The channel layer is chosen by ``BENCH_CHANNEL_LAYER``: ``memory``
(InMemoryChannelLayer), ``redis`` (channels_redis RedisChannelLayer) or ``pubsub``
(channels_redis RedisPubSubChannelLayer). Redis is ``BENCH_REDIS_URL``
(default ``redis://127.0.0.1:6379/0``) with key prefix ``BENCH_REDIS_PREFIX`` so a
run never touches another user's channels. Layer options are the tutorial's
defaults (capacity 100, expiry 60 s): overload shows up as loss.
"""

import os
import secrets

SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(32)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "channels",
]
# Present only because the tutorial's AuthMiddlewareStack needs an auth backend;
# anonymous websocket clients never make it run a query.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "room_fanout.chat_urls"
ASGI_APPLICATION = "room_fanout.chat_asgi.application"
USE_TZ = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

_layer = os.environ.get("BENCH_CHANNEL_LAYER", "memory")
_redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
_prefix = os.environ.get("BENCH_REDIS_PREFIX", "bench-room-fanout")
if _layer == "memory":
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
elif _layer == "redis":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [_redis], "prefix": _prefix},
        }
    }
elif _layer == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [_redis], "prefix": _prefix},
        }
    }
else:
    raise RuntimeError(f"BENCH_CHANNEL_LAYER must be memory, redis or pubsub, not {_layer!r}")
