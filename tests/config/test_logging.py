"""Logs: an expected refusal is one line, a server error keeps its traceback."""

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response

from config.log_filters import mask_phone_numbers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_403_page_logs_one_line_without_a_traceback(client, caplog):
    client.force_login(UserFactory())
    with caplog.at_level(logging.INFO):
        response = client.get("/facilitate/")
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == ["Forbidden (Permission denied): /facilitate/"]
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_a_500_keeps_its_traceback(caplog):
    request = RequestFactory().get("/boom/")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        with caplog.at_level(logging.INFO):
            log_response(
                "Internal Server Error: %s",
                request.path,
                response=HttpResponse(status=500),
                request=request,
                exception=exc,
            )
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None
    assert "RuntimeError: boom" in caplog.text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("To: +14155550100.", "To: +*********00."),
        ("?To=%2B447700900123&x=1", "?To=%2B**********23&x=1"),
        ("{'To': '+5511912345678'}", "{'To': '+***********78'}"),
        ("Date +0000, size 12345, sid SM0123456789", "Date +0000, size 12345, sid SM0123456789"),
    ],
)
def test_phone_numbers_are_masked_to_their_last_two_digits(text, masked):
    assert mask_phone_numbers(text) == masked
