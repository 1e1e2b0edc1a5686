"""What every facilitator page shares: the access decorator, the object look-ups that ask
the right `can_*` question, and small form helpers."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

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
    group = get_object_or_404(SupportGroup.objects.select_related("venue"), slug=slug)
    if not access.can_manage_group(user=request.user, group=group):
        raise PermissionDenied
    return group


def managed_session(request, pk: int) -> Session:
    """The session in the URL (404 if none) if this person may take its attendance, else a 403."""
    session = get_object_or_404(Session.objects.select_related("group", "schedule"), pk=pk)
    if not fac_access.can_take_attendance(user=request.user, session=session):
        raise PermissionDenied
    return session


def posted(request):
    """The POST data for a bound form (even when empty), None on GET."""
    return request.POST if request.method == "POST" else None


def domain_error(request, exc: DomainError) -> None:
    """Say a refused action (not a member, cancelled session, …) as a message on the next page."""
    messages.error(request, exc.message)
