"""Static files as WhiteNoise serves them: compressed (gzip) and under content-hashed names.

`collectstatic` (make run, and once per release in docs/deploy.md) writes each file, a copy
named by its content's hash ("hearth.4f1c2a9e.css"), the gzip of both and staticfiles.json,
the manifest. Pages then link the hashed names, which WhiteNoise serves with a cache of a year
(`immutable`): a new release has new names, so nothing stale is ever used.

A process that runs without `collectstatic` (the test suite, the browser tests' servers) has no
manifest. Django's manifest storage would then fail every page that links a static file; here a
name missing from the manifest is linked as it is, and WhiteNoise serves it from the app's own
folder (WHITENOISE_USE_FINDERS) with a short cache.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected (or collected before the file existed)
            return name
