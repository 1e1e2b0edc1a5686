from django import template

from sessions_app.notices import notice_text as words

register = template.Library()


@register.filter
def notice_text(notice) -> str:
    """What a notice says, in the page's language (`{{ notice|notice_text }}`)."""
    return words(notice)
