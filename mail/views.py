"""The one-click unsubscribe link of every email (RFC 8058): GET shows a button, POST does it.

A mail client's one-click POST carries no cookie and no CSRF token, so the POST is exempt and
needs no login: the signed token is the whole authority, for one person and one category.
GET never changes anything (link scanners fetch every URL in a message)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mail import content, services


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str) -> HttpResponse:
    if request.method == "POST":
        category = services.unsubscribe_one_click(token=token)
        status = 200 if category else 400
        return render(
            request,
            "mail/unsubscribe.html",
            {"done": bool(category), "bad": not category},
            status=status,
        )
    found = content.unsubscribe_read(token)
    return render(
        request,
        "mail/unsubscribe.html",
        {"done": False, "bad": found is None, "token": token},
        status=200 if found else 400,
    )
