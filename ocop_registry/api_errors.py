"""Errors of the open-data API (everything under /api/) as JSON, in the interface language.

Every error answers ``{"detail": "..."}`` like Django REST framework does (validation errors keep DRF's
``{"field": ["..."]}`` shape). Two paths lead here:

- errors inside DRF views go through ``exception_handler`` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``);
- errors Django answers before or after a view (an unknown /api/ path, a request body over the limit, an
  unhandled exception) go through the handlers of ``ocop_registry.errors``, which call ``json_error``.

DRF's own catalogue leaves several messages in English for Vietnamese ("Request was throttled.",
"Malformed request."), and Django's ``get_object_or_404`` message is English whatever the language; those
default messages are replaced by the registry's. A message a view chose itself is kept.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, JsonResponse
from django.template.defaultfilters import floatformat
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy as _, ngettext
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

API_PATH_PREFIX = "/api/"

# Django refuses these bodies while reading them (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS,
# DATA_UPLOAD_MAX_NUMBER_FILES) with a SuspiciousOperation, i.e. a 400; the registry answers 413.
REQUEST_TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)

BAD_REQUEST = _("Yêu cầu không hợp lệ.")
PARSE_ERROR = _("Dữ liệu gửi lên không đúng định dạng.")
PERMISSION_DENIED = _("Bạn không có quyền thực hiện thao tác này.")
NOT_FOUND = _("Không tìm thấy.")
NOT_ACCEPTABLE = _("Không thể trả lời theo định dạng mà tiêu đề Accept yêu cầu.")
SERVER_ERROR = _("Lỗi máy chủ. Sự cố đã được ghi lại; vui lòng thử lại sau.")


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PATH_PREFIX)


def upload_limit_mb() -> str | None:
    """DATA_UPLOAD_MAX_MEMORY_SIZE in MB as the interface writes numbers ("12", "2,5"); None when unlimited."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return None
    return floatformat(limit / (1024 * 1024), "-1")


def request_too_large_detail() -> str:
    limit = upload_limit_mb()
    if limit is None:
        return gettext("Dữ liệu gửi lên quá lớn. Không có gì được lưu.")
    return gettext("Dữ liệu gửi lên vượt quá giới hạn %(limit)s MB. Không có gì được lưu.") % {"limit": limit}


def method_not_allowed_detail(method: str) -> str:
    return gettext("Phương thức “%(method)s” không được hỗ trợ.") % {"method": method}


def throttled_detail(wait: int | None) -> str:
    if wait is None:
        return gettext("Quá nhiều yêu cầu. Vui lòng thử lại sau.")
    return ngettext(
        "Quá nhiều yêu cầu. Vui lòng thử lại sau %(wait)s giây.",
        "Quá nhiều yêu cầu. Vui lòng thử lại sau %(wait)s giây.",
        wait,
    ) % {"wait": wait}


def json_error(detail, status: int) -> JsonResponse:
    """An error answer of the API outside DRF, shaped and encoded as DRF's own."""
    return JsonResponse({"detail": str(detail)}, status=status, json_dumps_params={"ensure_ascii": False})


def exception_handler(exc, context):
    """DRF's handler, with the registry's wording for DRF's default messages.

    Exceptions DRF does not know still return None, and DRF re-raises them to Django, which answers through
    ``ocop_registry.errors`` like anywhere else: a body over the limit (a SuspiciousOperation) is the JSON 413,
    anything else is logged, mailed to ADMINS and answered with the JSON 500."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        detail = _registry_detail(exc, context["request"])
        if detail is not None:
            response.data = {"detail": str(detail)}
    return response


def _registry_detail(exc, request):
    """The registry's message for ``exc`` when it carries the framework's default message, else None."""
    if isinstance(exc, Http404):
        # A view's own message is a lazy translation; Django's ("No Product matches the given query.") is not.
        chosen = exc.args and isinstance(exc.args[0], Promise)
        return None if chosen else NOT_FOUND
    if isinstance(exc, PermissionDenied):
        return None if exc.args else PERMISSION_DENIED
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, exceptions.MethodNotAllowed):
        default, ours = exceptions.MethodNotAllowed(request.method), method_not_allowed_detail(request.method)
    elif isinstance(exc, exceptions.Throttled):
        default, ours = exceptions.Throttled(wait=exc.wait), throttled_detail(exc.wait)
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        default = exceptions.UnsupportedMediaType(request.content_type)
        ours = gettext("Kiểu nội dung “%(media_type)s” không được hỗ trợ.") % {"media_type": request.content_type}
    else:
        ours = {
            exceptions.ParseError: PARSE_ERROR,
            exceptions.PermissionDenied: PERMISSION_DENIED,
            exceptions.NotFound: NOT_FOUND,
            exceptions.NotAcceptable: NOT_ACCEPTABLE,
        }.get(type(exc))
        if ours is None:
            return None
        default = type(exc)()
    return ours if str(exc.detail) == str(default.detail) else None
