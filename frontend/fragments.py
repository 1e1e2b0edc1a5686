"""Parts of pages rendered once and kept in the cache under a key made of everything they show.

The directory's 20 cards were most of its CPU (docs/benchmarks.md, API): Django's template
language spends ~0.25 ms on each. The key holds the values the fragment reads (the caller
lists them), the language, the URL prefix and a digest of the template and of the compiled
translations, so a change of data, words or markup is a new key, never a stale fragment.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as django_cache
from django.template.loader import get_template, render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

FRAGMENT_SECONDS = 3600


@cache
def _code_digest(template_name: str) -> str:
    """The template's source and every compiled catalogue: what a deploy can change."""
    digest = hashlib.sha256(Path(get_template(template_name).origin.name).read_bytes())
    for path in settings.LOCALE_PATHS:
        for mo in sorted(Path(path).glob("*/LC_MESSAGES/*.mo")):
            digest.update(mo.read_bytes())
    return digest.hexdigest()[:16]


def cached_fragment(template_name: str, context: dict, *, shown: tuple) -> SafeString:
    """`template_name` rendered with `context` (no request), from the cache when a fragment
    with the same `shown` values (all that the template reads of `context`) is there."""
    key_source = repr(
        (template_name, _code_digest(template_name), get_language(), get_script_prefix(), shown)
    )
    key = "hearth:fragment:" + hashlib.sha256(key_source.encode()).hexdigest()
    html = django_cache.get(key)
    if html is None:
        html = render_to_string(template_name, context)
        django_cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there
