"""Error pages and the login lockout answer."""

from django.http import HttpResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure


def login_locked_out(request, credentials, *args, **kwargs):
    return HttpResponse("Tạm khoá đăng nhập", status=429)


def csrf_failure(request, reason=""):
    return django_csrf_failure(request, reason=reason)


def bad_request(request, exception):
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return defaults.page_not_found(request, exception)


def server_error(request):
    return defaults.server_error(request)
