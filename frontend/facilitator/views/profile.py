"""A facilitator's own profile: bio, trainings and who sees each on their groups' pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from facilitators import selectors as fac_selectors
from facilitators import services as fac_services
from frontend.facilitator.forms import FacilitatorProfileForm, errors_onto_form
from frontend.facilitator.views.common import facilitator_page, posted


@require_http_methods(["GET", "POST"])
@facilitator_page
def profile(request):
    current = fac_selectors.facilitator_profile_for(user=request.user)
    form = FacilitatorProfileForm(
        posted(request), initial=FacilitatorProfileForm.initial_for(current)
    )
    if request.method == "POST" and form.is_valid():
        try:
            fac_services.facilitator_profile_update(user=request.user, **form.service_fields())
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("frontend:fac-profile")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "frontend/facilitator/profile.html",
        {"form": form, "groups": fac_selectors.groups_facilitated(user=request.user)},
        status=status,
    )
