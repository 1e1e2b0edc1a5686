"""Site-wide error handlers (config/urls.py names them). They sit here, with the URLconf that
puts the API under /api/ and the pages beside it, because they answer for both."""

from django.http import JsonResponse
from django.views.defaults import page_not_found


def not_found(request, exception=None):
    """handler404: API clients get JSON for URLs that match no route; pages get Django's."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
