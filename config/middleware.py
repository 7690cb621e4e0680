from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the visitor chose another language with the switcher.

    The browser's Accept-Language is ignored on purpose: the platform's users and notices are Chinese, and an
    English-configured browser on a Chinese desk should not get a half-translated site it never asked for.
    """

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
