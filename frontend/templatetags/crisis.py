"""Crisis resources on any page: the one text and its numbers as tap-to-call / tap-to-text
links (rooms.selectors, where the room's private `support` frame gets the same text)."""

from __future__ import annotations

from django import template
from django.utils import translation

from rooms.selectors import crisis_lines, crisis_resources

register = template.Library()


@register.inclusion_tag("frontend/_crisis_help.html")
def crisis_help(text_id: str = "", lines_only: bool = False) -> dict:
    """The text in the reader's language (or the organisation's own), then a link to call or
    text each number (`lines_only`: the links alone, under a text shown elsewhere)."""
    language = translation.get_language()
    return {
        "text": crisis_resources(language),
        "lines": crisis_lines(language),
        "text_id": text_id,
        "lines_only": lines_only,
    }
