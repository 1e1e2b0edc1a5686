"""The account's language, for people who chose one.

Runs after LocaleMiddleware (which reads the footer switch's cookie and the browser's
Accept-Language) and after AuthenticationMiddleware: a signed-in user whose account names a
language gets it whatever the browser says; visitors and accounts with no choice keep what
LocaleMiddleware picked.
"""

from django.conf import settings
from django.utils import translation


class AccountLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
