"""Every route in the URL conf × six roles × its methods, with the expected status and, where
allowed, the whole JSON body. Routes come from the resolver, so a new one cannot be forgotten:
declare it in tests/api/matrix/<area>.py."""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.matrix import ROLES, Case, all_cases
from tests.api.matrix.world import build_world

SKIPPED_NAMESPACES = {"admin"}
CASES = all_cases()


def _routes(resolver=None, namespace=None, prefix=""):
    """(name, route, callback) of every non-admin URL pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            full_ns = ":".join(filter(None, [namespace, ns])) or None
            yield from _routes(entry, full_ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, prefix + str(entry.pattern), entry.callback


def _methods(callback) -> set[str] | None:
    """HTTP methods a class-based view handles; None for function views (unknowable)."""
    actions = getattr(callback, "actions", None)  # DRF viewsets
    if actions:
        return {method.upper() for method in actions} - {"HEAD", "OPTIONS"}
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return None
    return {
        m.upper() for m in cls.http_method_names if m not in ("options", "head") and hasattr(cls, m)
    }


ROUTES = list(_routes())


def test_every_route_and_method_has_declared_expectations():
    declared = {(case.name, case.method) for case in CASES}
    declared_names = {name for name, _ in declared}
    missing = []
    for name, route, callback in ROUTES:
        if name is None:
            missing.append(f"unnamed route {route!r}: give it a name")
            continue
        methods = _methods(callback)
        if methods is None:
            if name not in declared_names:
                missing.append(f"{name} ({route}): no Case")
            continue
        missing += [
            f"{name} {m} ({route}): no Case" for m in sorted(methods) if (name, m) not in declared
        ]
    assert missing == [], "routes without expectations:\n" + "\n".join(missing)


def test_cases_name_real_routes_and_all_six_roles():
    routes = {name: callback for name, _, callback in ROUTES}
    problems = []
    for case in CASES:
        if case.name not in routes:
            problems.append(f"{case.name}: no such route")
            continue
        methods = _methods(routes[case.name])
        if methods is not None and case.method not in methods:
            problems.append(f"{case.name} {case.method}: the view does not handle it")
        if set(case.expect) != set(ROLES):
            problems.append(f"{case.name} {case.method}: expect must cover {ROLES}")
    assert problems == []
    assert len({(c.name, c.method) for c in CASES}) == len(CASES), "a Case is declared twice"


def _default_kwargs(name: str, world) -> dict:
    route = next(r for n, r, _ in ROUTES if n == name)
    defaults = {
        "slug": world.group.slug,
        "pk": world.session.pk,
        "id": world.schedule.pk,
        "username": world.users["attendee"].username,
    }
    return {
        key: value
        for key, value in defaults.items()
        if f"<{key}>" in route or f":{key}>" in route or f"(?P<{key}>" in route
    }


def _client(world, role: str) -> APIClient:
    client = APIClient()
    user = world.users[role]
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        client.force_login(user)  # for the plain Django views (pages, feeds)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.name}-{c.method}")
def test_matrix(case: Case, role: str):
    world = build_world()
    world.role = role
    kwargs = case.kwargs(world) if case.kwargs else _default_kwargs(case.name, world)
    url = reverse(case.name, kwargs=kwargs)
    data = case.data(world) if case.data else None
    client = _client(world, role)
    call = getattr(client, case.method.lower())
    response = (
        call(url, data=json.dumps(data), content_type="application/json")
        if (data is not None)
        else call(url)
    )
    expected = case.expect[role]
    assert response.status_code == expected, (
        f"{case.method} {url} as {role}: {response.status_code}, expected {expected}: "
        f"{response.content[:500]!r}"
    )
    is_json = response.get("Content-Type", "").startswith("application/json")
    if case.body is not None and (200 <= expected < 300 or expected == 400):
        # Allowed roles get the whole body; a 400 case declares its field errors exactly.
        assert is_json
        assert response.json() == case.body(world)
    elif expected >= 400 and is_json:
        # A refusal says why and nothing else: no data leaks through an error.
        assert set(response.json()) <= {"detail", "code"}, response.json()
