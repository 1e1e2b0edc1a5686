"""What every core API view shares: the error answers in the schema, pagination and
the explicit permission check (see docs/decisions.md, API (core))."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser

ERROR_RESPONSES = {
    "400": "Invalid input: field errors, nested like the request body.",
    "401": "No (valid) credentials.",
    "403": "Not allowed: `detail`, and `code` for domain rules (e.g. not_a_member).",
    "404": "No such object, or one you may not see.",
    "409": "State conflict, e.g. the session is cancelled or over: `detail` and `code`.",
    "429": "Too many requests: see the Retry-After header.",
}


PAGE_NOT_FOUND = OpenApiResponse(
    {
        "type": "object",
        "properties": {"detail": {"type": "string", "example": "Invalid page."}},
        "required": ["detail"],
    },
    description="No such page: `page` is past the last page (or not a page number); "
    'the body is `{"detail": "Invalid page."}`. On a list under a group or session, also no '
    "such object, or one you may not see.",
)


UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="The body's Content-Type is none of those this operation takes (see its "
    "requestBody), or is missing: `detail`.",
)


class BodyAutoSchema(AutoSchema):
    """AutoSchema that documents the 415 every operation taking a body can answer (DRF's
    parsers refuse a Content-Type they do not know, and a body sent without one)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if "415" not in responses and self._get_request_body(direction="request"):
            responses["415"] = self._get_response_for_code(
                UNSUPPORTED_MEDIA_TYPE, "415", direction=direction
            )
        return responses


class PagedAutoSchema(BodyAutoSchema):
    """AutoSchema that documents the 404 of a paginated list's `?page=` past the end."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method == "GET" and self._is_list_view() and self._get_paginator() is not None:
            responses["404"] = self._get_response_for_code(
                PAGE_NOT_FOUND, "404", direction=direction
            )
        return responses


class HearthAutoSchema(PagedAutoSchema):
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
    # Viewset actions whose body nests objects or lists (a venue, a recurrence): a form cannot
    # carry them, so they parse JSON only (415 otherwise) and the schema offers JSON only.
    json_only_actions: frozenset[str] = frozenset()

    def get_parsers(self):
        # DRF builds the parsers before it sets `action`; the schema generator sets `action`.
        action = getattr(self, "action", None)
        if action is None and getattr(self, "action_map", None) and self.request is not None:
            action = self.action_map.get(self.request.method.lower())
        if action in self.json_only_actions:
            return [JSONParser()]
        return super().get_parsers()

    def deny_unless(self, allowed: bool, message: str | None = None) -> None:
        """401 for anonymous callers, 403 for everyone else (DRF's permission_denied)."""
        if not allowed:
            self.permission_denied(self.request, message=message)
