"""Hearth's settings plus the benchmark's peers (bench/api_peer/urls.py); for bench/api_load.py."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "api_peer.urls"
