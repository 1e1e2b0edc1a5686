from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from sessions_app import selectors


def home(request):
    """Upcoming sessions of the groups this visitor may see, for the next two weeks."""
    now = timezone.now()
    groups = selectors.groups_visible(user=request.user)
    sessions = selectors.sessions_with_counts(
        selectors.sessions_between(start=now, end=now + timedelta(days=14), groups=groups)
    )[:100]
    return render(request, "frontend/home.html", {"sessions": sessions})
