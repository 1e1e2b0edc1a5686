"""The OpenAPI schema is valid, complete and warning-free."""

import pytest
import yaml
from django.core.management import call_command

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
