"""The header's language switch: a plain link (GET), so no public page carries a form.

Django's own ``set_language`` wants a POST with a CSRF token, and a ``{% csrf_token %}`` in the header of
every page set the CSRF cookie for every visitor. With a link, a page sets no cookie at all until the
visitor actually chooses a language; then only the language cookie is set, here.
"""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def safe_next_url(request) -> str:
    """Where to go back to: ``next`` when it is a URL of this site (never another host, never from https to
    http), else the home page."""
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        url=next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return "/"


@require_safe
@never_cache
def switch(request, language):
    """Remember ``language`` in the language cookie and go back to the page the visitor came from."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponseRedirect(safe_next_url(request))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


# Mounted at /ngon-ngu/ by ocop_registry/urls.py: /ngon-ngu/en/?next=/san-pham/
urlpatterns = [path("<str:language>/", switch, name="switch_language")]
