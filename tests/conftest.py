"""Shared fixtures. Tests that need PostgreSQL or Redis are skipped, with the reason, unless
DATABASE_URL / REDIS_URL point at them (`.ci/run` sets both, so CI skips nothing)."""

import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import GroupFactory, UserFactory

# Janus (in its own network namespace) and coturn fixtures: janus_server, coturn_server.
pytest_plugins = ["tests.media_servers"]


def pytest_configure(config):
    from django.conf import settings

    # PBKDF2 at full strength costs ~0.3 s a user; the suite creates thousands.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # Browser tests last: Playwright's sync API leaves an event loop running in the main
    # thread for the rest of the session, and pytest-asyncio cannot start a test's loop beside
    # it (the multi-process room tests are async). trylast: after pytest-django's reordering.
    items.sort(key=lambda item: "tests/e2e/" in str(item.fspath))
    needs_pg = pytest.mark.skip(
        reason="needs PostgreSQL: set DATABASE_URL=postgres://... (select_for_update and real "
        "concurrency do not exist on SQLite)"
    )
    needs_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    on_pg = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if os.environ.get("HEARTH_REQUIRE_SERVICES") and not (on_pg and os.environ.get("REDIS_URL")):
        raise pytest.UsageError("HEARTH_REQUIRE_SERVICES is set but DATABASE_URL/REDIS_URL are not")
    for item in items:
        if "postgres" in item.keywords and not on_pg:
            item.add_marker(needs_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(needs_redis)


@pytest.fixture(scope="session", autouse=True)
def _room_threads_closed_at_the_end(django_db_setup):
    """Room database threads keep their connections (rooms/db.py); PostgreSQL
    cannot drop the test database while they are open."""
    yield
    from rooms.db import room_db_shutdown

    room_db_shutdown()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, username="coordinator")


@pytest.fixture
def group(db):
    return GroupFactory()


@pytest.fixture
def api_client():
    return APIClient()
