"""The client's address: X-Forwarded-For only counts as far as trusted proxies wrote it."""

import pytest

from sessions_app.client import client_address, scope_client_address

PEER = "10.0.0.5"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "", PEER),
        (0, "198.51.100.1", PEER),  # nobody trusted: the header is the client's word
        (1, "", PEER),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry is left of it
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "198.51.100.1", PEER),  # fewer entries than proxies: the peer
        (1, "6.6.6.6, not-an-address", PEER),
        (1, "6.6.6.6,2001:db8::1", "2001:db8::1"),
        (1, " 198.51.100.1 ", "198.51.100.1"),
    ],
)
def test_client_address(settings, rf, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=PEER, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == expected
    assert client_address(request.META) == expected
    scope = {
        "client": (PEER, 4321),
        "headers": [(b"x-forwarded-for", forwarded_for.encode())] if forwarded_for else [],
    }
    assert scope_client_address(scope) == expected


def test_repeated_headers_in_a_scope_are_read_as_one(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    scope = {
        "client": (PEER, 1),
        "headers": [(b"x-forwarded-for", b"6.6.6.6"), (b"X-Forwarded-For", b"198.51.100.1")],
    }
    assert scope_client_address(scope) == "198.51.100.1"
    assert scope_client_address({}) == ""
