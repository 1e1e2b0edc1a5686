"""schemathesis over the OpenAPI schema: every operation, as attendee, facilitator and staff,
a bounded number of generated requests each (valid and invalid data, random and real path
parameters), through the real WSGI stack in-process. 0 server errors, 0 responses that
contradict the schema (status code, content type, body)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.matrix.world import build_world

# Per operation, role and mode. The suite keeps it small; the longer run in docs/benchmarks.md
# sets HEARTH_SCHEMATHESIS_EXAMPLES.
EXAMPLES_PER_OPERATION = int(os.environ.get("HEARTH_SCHEMATHESIS_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = ("attendee", "facilitator", "staff")


def _fuzz(strategies, headers: dict, calls: dict) -> None:
    """Run a bounded number of generated requests of one operation and check each answer."""

    @given(case=st.one_of(strategies))
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION * len(strategies),
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        calls["count"] += 1
        calls["statuses"].add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()


@pytest.fixture
def in_process_wsgi():
    """Serve requests on this thread's connection, inside the test's transaction (as Django's
    test client does: a request must not close the connection under the transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_every_operation_conforms_to_the_schema(in_process_wsgi, settings):
    # 429s are documented, but unthrottled the fuzzer reaches the views behind the throttles.
    settings.HEARTH_THROTTLE_RATES = dict.fromkeys(("login", "register", "rsvp"), None)
    world = build_world()
    real = {
        "slug": world.group.slug,
        "id": world.session.pk,
        "username": world.users["attendee"].username,
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/", in_process_wsgi)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    calls = {"count": 0, "statuses": set()}

    for role in ROLES:
        token, _ = Token.objects.get_or_create(user=world.users[role])
        headers = {"Authorization": f"Token {token.key}"}
        for operation in operations:
            names = {p.name for p in operation.path_parameters}
            fixed = {name: value for name, value in real.items() if name in names}
            if operation.path.endswith("/schedules/{id}/"):
                fixed["id"] = world.schedule.pk
            strategies = [
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),
            ]
            if fixed:
                strategies.append(
                    operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed)
                )

            _fuzz(strategies, headers, calls)
    # It did reach the server and got both answers and refusals.
    assert calls["count"] > len(operations) * len(ROLES) * EXAMPLES_PER_OPERATION
    assert {200, 400, 404} <= calls["statuses"]
    print(f"schemathesis: {calls['count']} requests, statuses {sorted(calls['statuses'])}")
