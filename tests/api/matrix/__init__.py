"""The permission matrix registry shared by every API area.

Each module `tests/api/matrix/<area>.py` defines `CASES: list[Case]`;
tests/api/test_permission_matrix.py enumerates every route from the URL resolver, fails on
any route (and, for class-based views, any method) without a declared Case, and runs every
Case for all six roles on a fresh World.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.api.matrix.world import World

ROLES = (
    "anonymous",
    "attendee",
    "other_member",
    "other_facilitator",
    "facilitator",
    "staff",
)


@dataclass(frozen=True)
class Case:
    name: str  # the URL name, as reverse() takes it, e.g. "session-note"
    method: str  # "GET", "POST", "PUT", "PATCH", "DELETE"
    expect: dict[str, int]  # role -> status code, for ALL six roles
    kwargs: Callable[[World], dict] | None = None  # URL kwargs; default: filled by name
    data: Callable[[World], Any] | None = None  # request JSON body
    # Optional: the expected whole JSON body for the allowed roles. It is called AFTER the
    # request (so it can read what the request wrote); `world.role` is the role being run.
    body: Callable[[World], Any] | None = None


def expect_all(code: int) -> dict[str, int]:
    """Everyone gets `code`."""
    return dict.fromkeys(ROLES, code)


def expect_managers(code: int) -> dict[str, int]:
    """The group's facilitators and staff get `code`; anonymous 401; everyone else 403."""
    return {
        "anonymous": 401,
        "attendee": 403,
        "other_member": 403,
        "other_facilitator": 403,
        "facilitator": code,
        "staff": code,
    }


def expect_staff(code: int) -> dict[str, int]:
    """Staff get `code`; anonymous 401; everyone else 403."""
    return {**expect_managers(403), "facilitator": 403, "staff": code}


def expect_signed_in(code: int) -> dict[str, int]:
    """Every signed-in role gets `code`; anonymous 401."""
    return {**expect_all(code), "anonymous": 401}


def all_cases() -> list[Case]:
    """CASES of every module in this package."""
    cases: list[Case] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "world":
            continue
        cases.extend(importlib.import_module(f"{__name__}.{module.name}").CASES)
    return cases
