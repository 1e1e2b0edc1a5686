"""Sections of a person's data export held by the core's features.

The export is built in `facilitators.services.account_export`, which may not import a
sibling such as rooms. A feature that records something about a person registers a section
here in its `AppConfig.ready()` (as it subscribes to domain events), and the export adds
every registered section under its name. Each section returns only what is the person's own
(docs/decisions.md, Data rights).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

Section = Callable[..., Any]  # called as section(user=<User>), returns JSON-ready data

_sections: dict[str, Section] = {}


def export_section_register(name: str, build: Section) -> None:
    """Add `build(user=...)`'s answer to every export, under `name`."""
    if _sections.get(name, build) is not build:
        raise ImproperlyConfigured(f"Two export sections are named {name!r}.")
    _sections[name] = build


def export_sections(*, user) -> dict[str, Any]:
    """Every registered section for `user`, by name."""
    return {name: build(user=user) for name, build in sorted(_sections.items())}
