"""What every facilitator page shares: the access decorator, the object look-ups that ask
the right `can_*` question, and small form helpers."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from facilitators import access as fac_access
from sessions_app import access
from sessions_app.errors import DomainError
from sessions_app.models import Session, SupportGroup

# --- access helpers -----------------------------------------------------------------------------


def facilitator_page(view):
    """Signed-in coordinators and facilitators only: visitors go to the login page, everyone
    else gets a 403. Views still check the group or session they are about."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not fac_access.can_use_facilitator_pages(user=request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def managed_group(request, slug: str) -> SupportGroup:
    """The group in the URL (404 if none) if this person may manage it, else a 403."""
    return access.access_managed_group(
        user=request.user, slug=slug, queryset=SupportGroup.objects.select_related("venue")
    )


def managed_session(request, pk: int) -> Session:
    """The session in the URL (404 if none) if this person may take its attendance, else a 403."""
    return access.access_managed_session(
        user=request.user,
        pk=pk,
        queryset=Session.objects.select_related("group", "schedule"),
        may=fac_access.can_take_attendance,
    )


def posted(request):
    """The POST data for a bound form (even when empty), None on GET."""
    return request.POST if request.method == "POST" else None


def domain_error(request, exc: DomainError) -> None:
    """Say a refused action (not a member, cancelled session, …) as a message on the next page."""
    messages.error(request, exc.message)
