"""What every core API view shares: the error answers in the schema, pagination and
the explicit permission check (see docs/decisions.md, API (core))."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.pagination import PageNumberPagination

ERROR_RESPONSES = {
    "400": "Invalid input: field errors, nested like the request body.",
    "401": "No (valid) credentials.",
    "403": "Not allowed: `detail`, and `code` for domain rules (e.g. not_a_member).",
    "404": "No such object, or one you may not see.",
    "409": "State conflict, e.g. the session is cancelled or over: `detail` and `code`.",
    "429": "Too many requests: see the Retry-After header.",
}


class HearthAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error answers every operation can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, text in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(OpenApiTypes.OBJECT, description=text),
                    code,
                    direction=direction,
                )
        return responses


class CorePagination(PageNumberPagination):
    """Pages of 50 by default (PAGE_SIZE); clients may ask for up to 200 with `page_size`."""

    page_size_query_param = "page_size"
    max_page_size = 200


class CoreViewMixin:
    schema = HearthAutoSchema()
    pagination_class = CorePagination

    def deny_unless(self, allowed: bool, message: str | None = None) -> None:
        """401 for anonymous callers, 403 for everyone else (DRF's permission_denied)."""
        if not allowed:
            self.permission_denied(self.request, message=message)
