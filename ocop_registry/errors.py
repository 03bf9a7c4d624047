"""Error pages and the login lockout answer.

Every page extends the site's ``base.html`` and speaks the visitor's interface language (LocaleMiddleware has
chosen it before any of these run). Under /api/ the same errors answer JSON (``ocop_registry.api_errors``).
Wired in ``urls.py`` (handler400/403/404/500) and ``settings.py`` (CSRF_FAILURE_VIEW, AXES_LOCKOUT_CALLABLE).
"""

import logging
import math

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpResponseServerError
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext

from . import api_errors

logger = logging.getLogger(__name__)


def _page(request, template_name, status, context=None):
    # An error page reads no data: the database may be why it is shown (the demo banner's check is skipped).
    context = {"status_code": status, "demo_published": False, **(context or {})}
    response = render(request, template_name, context, status=status)
    # An error answer is about this request only; a shared cache must not keep it for the URL.
    response["Cache-Control"] = "no-store"
    return response


def _back_url(request) -> str | None:
    """The page the visitor came from, when it is a page of this site (the Referer header)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        allowed_hosts = {request.get_host()}
    except DisallowedHost:
        return None
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts, require_https=request.is_secure()):
        return referer
    return None


def login_locked_out(request, response=None, credentials=None, *args, **kwargs):
    """django-axes: the answer to a login attempt while username+address is locked (429).

    The lock ends AXES_COOLOFF_TIME after the failure that set it; attempts during the lock do not extend it
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off). The time shown is counted from this attempt: exact
    when the lock is set, an upper bound for a later attempt during it."""
    cool_off = settings.AXES_COOLOFF_TIME
    attempted_at = getattr(request, "axes_attempt_time", None) or timezone.now()
    retry_at = attempted_at + cool_off
    minutes = max(1, math.ceil((retry_at - timezone.now()).total_seconds() / 60))
    answer = _page(
        request,
        "errors/429.html",
        429,
        {"minutes": minutes, "retry_at": retry_at, "failure_limit": settings.AXES_FAILURE_LIMIT},
    )
    answer["Retry-After"] = str(minutes * 60)
    return answer


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: usually a form left open too long (its token is stale) or cookies blocked. (The API's
    views are exempt from CSRF: they are DRF's, and read-only.)"""
    return _page(
        request,
        "errors/403_csrf.html",
        403,
        {"back_url": _back_url(request), "no_cookie": reason == REASON_NO_CSRF_COOKIE},
    )


def bad_request(request, exception):
    """handler400; a request body over the limits is answered 413 (Django raises it as a 400)."""
    if isinstance(exception, api_errors.REQUEST_TOO_LARGE):
        return request_too_large(request, exception)
    if api_errors.is_api_request(request):
        return api_errors.json_error(api_errors.BAD_REQUEST, 400)
    return _page(request, "errors/400.html", 400)


# Django refuses an oversized body from its Content-Length, before reading it. Answering and closing with the
# body unread makes the kernel reset the connection, and the client may see that instead of the 413 page
# (gunicorn without a buffering proxy in front). So the rest of the body is read and discarded first, up to
# this many bytes; a bigger body is not worth a worker's time and gets the reset.
DISCARD_AT_MOST = 64 * 1024 * 1024


def _discard_body(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if length > DISCARD_AT_MOST:
        return
    try:
        while request.read(256 * 1024):
            pass
    except OSError:  # the client went away
        pass


def request_too_large(request, exception):
    _discard_body(request)
    if api_errors.is_api_request(request):
        return api_errors.json_error(api_errors.request_too_large_detail(), 413)
    return _page(
        request,
        "errors/413.html",
        413,
        {
            "limit_mb": api_errors.upload_limit_mb(),
            "too_many_fields": not isinstance(exception, RequestDataTooBig),
            "max_fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
            "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
            "back_url": _back_url(request),
        },
    )


def request_too_large_at_proxy(request):
    """The 413 page for nginx's ``error_page 413``: nginx refuses a body over its client_max_body_size before
    Django sees it, and fetches this page (as a GET) to answer with it (deploy/nginx.conf)."""
    return request_too_large(request, RequestDataTooBig())


def permission_denied(request, exception):
    if api_errors.is_api_request(request):
        return api_errors.json_error(api_errors.PERMISSION_DENIED, 403)
    return _page(request, "errors/403.html", 403)


def page_not_found(request, exception):
    if api_errors.is_api_request(request):
        return api_errors.json_error(api_errors.NOT_FOUND, 404)
    return _page(request, "errors/404.html", 404, {"request_path": request.path})


def server_error(request):
    """handler500. Whatever broke may be the database, the session or a context processor, so the page is
    rendered from a plain context: no RequestContext, no query. If even that fails, a bare page in the
    visitor's language is answered; this view never raises."""
    if api_errors.is_api_request(request):
        return api_errors.json_error(api_errors.SERVER_ERROR, 500)
    try:
        # The header needs the path (language switch); reading it touches no database.
        body = loader.get_template("errors/500.html").render({"request": request, "status_code": 500})
    except Exception:
        logger.exception("The 500 page could not be rendered; answering the bare page")
        body = _bare_server_error_page()
    response = HttpResponseServerError(body)
    response["Cache-Control"] = "no-store"
    return response


def _bare_server_error_page() -> str:
    # No template, no reverse(): either may be what failed. The texts are the template's, so translated.
    return (
        '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
        "<body><h1>{title}</h1><p>{text}</p><p><a href=\"/\">{home}</a></p></body></html>"
    ).format(
        lang=get_language() or settings.LANGUAGE_CODE,
        title=gettext("Lỗi máy chủ"),
        text=gettext(
            "Đã xảy ra lỗi ngoài dự kiến. Sự cố đã được ghi lại và báo cho quản trị viên; vui lòng thử lại sau ít phút."
        ),
        home=gettext("Về trang chủ"),
    )

