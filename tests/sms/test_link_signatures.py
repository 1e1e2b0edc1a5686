"""One-tap link signatures: the HMAC key is derived once per secret, and the signature is
still exactly django.utils.crypto.salted_hmac's."""

from django.utils.crypto import salted_hmac

from sessions_app.selectors import links


def test_link_signatures_are_salted_hmacs(settings):
    settings.SECRET_KEY = "first-" + "k" * 50
    for secret in (None, "another-secret-" + "s" * 40):
        for purpose, salt in links._SALTS.items():
            expected = salted_hmac(
                salt, "12:345", secret=secret or settings.SECRET_KEY, algorithm="sha256"
            )
            number = int.from_bytes(expected.digest()[:8], "big")
            want = links._b62(number).rjust(links.SIGNATURE_CHARS, "0")[-links.SIGNATURE_CHARS :]
            assert links._signature(12, 345, secret=secret, purpose=purpose) == want
    settings.SECRET_KEY = "second-" + "k" * 50  # a new key signs differently at once
    assert links._signature(12, 345) != links._signature(12, 345, secret="first-" + "k" * 50)
