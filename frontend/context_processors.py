"""Template context for every page rendered with a request."""

from __future__ import annotations

from facilitators.access import can_use_facilitator_pages


def facilitator_nav(request) -> dict:
    """`can_facilitate`: whether the nav shows the "Facilitate" link. A callable, so the
    question is asked only when a template uses it, and at most once per request (a visitor
    or coordinator costs no query, anyone else one)."""

    def can_facilitate() -> bool:
        if not hasattr(request, "_can_facilitate"):
            request._can_facilitate = can_use_facilitator_pages(user=request.user)
        return request._can_facilitate

    return {"can_facilitate": can_facilitate}
