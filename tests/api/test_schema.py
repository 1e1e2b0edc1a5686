"""The OpenAPI schema is valid, complete and warning-free."""

import json

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import GroupFactory, UserFactory, one_off_session

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    for path in [
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/groups/{slug}/schedules/{id}/",
        "/api/v1/sessions/{id}/rsvp/",
        "/api/v1/me/rsvps/",
        "/api/v1/me/calendar-token/",
    ]:
        assert path in paths
    rsvp = paths["/api/v1/sessions/{id}/rsvp/"]
    assert set(rsvp) == {"post", "delete"}
    assert rsvp["post"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RSVPResult"
    }
    assert {"401", "403", "404", "409", "429"} <= set(rsvp["delete"]["responses"])
    session = schema["components"]["schemas"]["Session"]["properties"]
    assert session["start"] == {"type": "string", "format": "date-time", "readOnly": True}
    # The account's language: one of LANGUAGES or blank (follow the browser), read and written.
    languages = [
        {"$ref": "#/components/schemas/LanguageEnum"},
        {"$ref": "#/components/schemas/BlankEnum"},
    ]
    me = schema["components"]["schemas"]
    assert me["Me"]["properties"]["language"]["oneOf"] == languages
    assert me["PatchedMeUpdate"]["properties"]["language"]["oneOf"] == languages
    assert me["LanguageEnum"]["enum"] == ["en", "es"]


# --- schema and server agree ---------------------------------------------------------------------

JSON_ONLY = [
    ("post", "/api/v1/groups/"),
    ("patch", "/api/v1/groups/{slug}/"),
    ("post", "/api/v1/groups/{slug}/schedules/"),
    ("put", "/api/v1/sessions/{id}/attendance/"),
    ("put", "/api/v1/sessions/{id}/note/"),
]


def served_schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_bodies_with_nested_json_are_offered_as_json_only(client):
    """A form body cannot carry a recurrence, a venue, follow-ups or a list: the schema offers
    JSON only where the server reads JSON only, and forms where it takes them."""
    paths = served_schema(client)["paths"]
    for method, path in JSON_ONLY:
        assert list(paths[path][method]["requestBody"]["content"]) == ["application/json"]
    assert set(paths["/api/v1/auth/token/"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }


def test_a_form_body_where_json_is_needed_is_415(db):
    staff = UserFactory(is_staff=True)
    group = GroupFactory(slug="circle")
    session = one_off_session(group)
    api = APIClient()
    api.force_authenticate(staff)
    for method, url in [
        ("post", "/api/v1/groups/"),
        ("patch", "/api/v1/groups/circle/"),
        ("post", "/api/v1/groups/circle/schedules/"),
        ("put", f"/api/v1/sessions/{session.pk}/attendance/"),
        ("put", f"/api/v1/sessions/{session.pk}/note/"),
    ]:
        response = getattr(api, method)(url, {"name": "x"}, format="multipart")
        assert response.status_code == 415, url
        assert "detail" in response.json()


def test_every_operation_with_a_body_documents_its_415(client, db):
    """DRF answers 415 to a body whose Content-Type the view cannot parse (a form where JSON is
    needed, text/plain, none at all): every operation that takes a body says so."""
    paths = served_schema(client)["paths"]
    with_body = [
        (path, method, op)
        for path, ops in paths.items()
        for method, op in ops.items()
        if "requestBody" in op
    ]
    assert len(with_body) >= 10
    for path, method, op in with_body:
        assert "415" in op["responses"], (method, path)
    for method, path in JSON_ONLY:
        assert "415" in paths[path][method]["responses"]
    me = UserFactory()
    api = APIClient()
    api.force_authenticate(me)
    response = api.generic("PATCH", "/api/v1/me/", b"display_name=x", content_type="text/plain")
    assert response.status_code == 415
    assert "detail" in response.json()


def test_a_page_past_the_end_is_a_documented_404(client, db):
    """DRF answers `?page=` past the last page with 404 {"detail": "Invalid page."}: every
    paginated list says so in the schema, with that body."""
    paths = served_schema(client)["paths"]
    paged = [
        (path, op)
        for path, ops in paths.items()
        for op in ops.values()
        if any(p["name"] == "page" for p in op.get("parameters", []))
    ]
    assert {path for path, _ in paged} == {
        "/api/v1/groups/",
        "/api/v1/groups/{slug}/members/",
        "/api/v1/groups/{slug}/invites/",
        "/api/v1/groups/{slug}/schedules/",
        "/api/v1/me/rsvps/",
        "/api/v1/me/blocks/",
        "/api/v1/reports/people/",
        "/api/v1/sessions/",
        "/api/v1/sms/messages/",
    }
    for path, op in paged:
        not_found = op["responses"]["404"]
        assert "past the last page" in not_found["description"], path
        body = not_found["content"]["application/json"]["schema"]
        assert body["required"] == ["detail"]
        assert body["properties"]["detail"]["type"] == "string"
    GroupFactory(slug="circle")
    response = client.get("/api/v1/groups/?page=2")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
    staff = UserFactory(is_staff=True)
    api = APIClient()
    api.force_authenticate(staff)
    response = api.get("/api/v1/sms/messages/?page=2")
    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})
