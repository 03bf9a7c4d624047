"""Error pages (ocop_registry/errors.py) and API errors (ocop_registry/api_errors.py).

Each page: the right status, the site's header and footer, Vietnamese by default and English when the visitor
chose it (Accept-Language or the language cookie). Under /api/ every error is ``{"detail": "..."}``.
Unhandled errors are logged, mailed to ADMINS through a real SMTP server (aiosmtpd) and, with SENTRY_DSN,
sent to Sentry (a local HTTP server standing in for it).

This module is also the test-only URLconf (``ROOT_URLCONF = "tests.test_error_pages"``, see ``test_urls``):
a few views that fail on purpose, in front of the registry's own URLs. Production URLs carry none of them.
"""

import gzip
import json
import logging
import os
import re
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from ocop_registry.urls import handler400, handler403, handler404, handler500  # noqa: F401 (this is a URLconf)
from tests.server import fetch
from tests.smtp import smtp_server

BASE_DIR = Path(__file__).resolve().parents[1]
THIRTEEN_MB = 13 * 1024 * 1024
FAILURE_MESSAGE = "lỗi cố ý của bài kiểm thử 7f3c"


# --- the test-only URLconf -------------------------------------------------------------------
def failing_view(request):
    raise RuntimeError(FAILURE_MESSAGE)


def forbidden_view(request):
    raise PermissionDenied


class ThrottledAPI(APIView):
    def get(self, request):
        raise Throttled(wait=42)


class FailingAPI(APIView):
    def get(self, request):
        raise RuntimeError(FAILURE_MESSAGE)


class EchoAPI(APIView):
    """An API view that reads the body (the registry's own API is read-only)."""

    def post(self, request):
        return Response({"fields": len(request.data)})


urlpatterns = [
    path("loi-thu/", failing_view),
    path("cam-thu/", forbidden_view),
    path("api/v1/gioi-han-thu/", ThrottledAPI.as_view()),
    path("api/v1/loi-thu/", FailingAPI.as_view()),
    path("api/v1/gui-thu/", EchoAPI.as_view()),
    path("", include("ocop_registry.urls")),
]


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__


# --- helpers -------------------------------------------------------------------------------
def language_headers(language):
    return {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9" if language == "en" else "vi-VN,vi;q=0.9"}


def page_text(response, language):
    """The page's HTML after checking it is a page of the site in ``language``."""
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html  # base.html's header and footer
    assert '<meta name="robots" content="noindex">' in html
    assert response["Cache-Control"] == "no-store"
    return re.sub(r"\s+", " ", html)


def staff_client():
    user = get_user_model().objects.create_user("bientap", password="mat-khau-dai-2026", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_product"))
    client = Client()
    client.force_login(user)
    return client


def client_with_csrf_cookie(**headers):
    """A browser that has opened a form of the site (the admin login page sets the CSRF cookie)."""
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("admin:login"), **headers)
    assert django_settings.CSRF_COOKIE_NAME in client.cookies
    return client


def thirteen_mb_form():
    return b"ghi_chu=" + b"a" * THIRTEEN_MB


# --- 404 ----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, heading, text",
    [
        ("vi", "Không tìm thấy trang", "Không có trang nào ở địa chỉ <code>/khong-co-trang-nay/</code>"),
        ("en", "Page not found", "There is no page at <code>/khong-co-trang-nay/</code>"),
    ],
)
def test_unknown_page_is_a_404_in_the_site_style_and_the_visitors_language(client, language, heading, text):
    response = client.get("/khong-co-trang-nay/", **language_headers(language))
    assert response.status_code == 404
    html = page_text(response, language)
    assert f"<h1 id=\"error-heading\">{heading}</h1>" in html
    assert text in html
    assert f'href="{reverse("products:product_list")}"' in html


@pytest.mark.django_db
def test_404_page_follows_the_language_cookie(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/san-pham/khong-co-san-pham-nay/")
    assert response.status_code == 404
    assert "Page not found" in page_text(response, "en")


# --- 403 ----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, heading", [("vi", "Không có quyền truy cập"), ("en", "Access denied")]
)
def test_permission_denied_is_a_403_page(client, test_urls, language, heading):
    response = client.get("/cam-thu/", **language_headers(language))
    assert response.status_code == 403
    assert heading in page_text(response, language)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, heading, nothing_saved, reload",
    [
        ("vi", "Biểu mẫu đã hết hạn", "Chưa có gì được lưu.", "tải lại trang rồi gửi lại"),
        ("en", "The form has expired", "Nothing was saved.", "reload the page and send it again"),
    ],
)
def test_stale_form_is_a_403_saying_nothing_was_saved_and_to_reload(language, heading, nothing_saved, reload):
    client = client_with_csrf_cookie(**language_headers(language))
    login_page = "http://testserver" + reverse("admin:login")
    response = client.post(
        reverse("admin:login"),
        {"username": "bientap", "password": "x", "csrfmiddlewaretoken": "a" * 64},  # a token from another session
        HTTP_REFERER=login_page,
        **language_headers(language),
    )
    assert response.status_code == 403
    html = page_text(response, language)
    assert heading in html and nothing_saved in html and reload in html
    assert f'href="{login_page}"' in html  # back to the form
    assert "cookie" not in html.split("<main", 1)[1].split("</main>")[0].lower()  # cookies were sent


@pytest.mark.django_db
def test_form_posted_without_cookies_says_to_allow_cookies(client):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "bientap", "password": "x"},
                           HTTP_REFERER="https://elsewhere.example/form")
    assert response.status_code == 403
    html = page_text(response, "vi")
    assert "Hãy cho phép cookie cho trang này" in html
    assert "elsewhere.example" not in html  # the way back never leads off the site
    assert "Quay lại trang trước" not in html


# --- 400 ----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("language, heading", [("vi", "Yêu cầu không hợp lệ"), ("en", "Bad request")])
def test_request_for_an_unknown_host_is_a_400_page(client, language, heading):
    response = client.get("/", HTTP_HOST="ocop.example.com", **language_headers(language))
    assert response.status_code == 400
    assert heading in page_text(response, language)


# --- 413 ----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, message",
    [
        ("vi", "Nội dung gửi lên vượt quá giới hạn 12 MB nên đã bị từ chối. Không có gì được lưu."),
        ("en", "What you sent is larger than the limit of 12 MB and was refused. Nothing was saved."),
    ],
)
def test_13_mb_form_post_to_an_admin_form_is_a_413_saying_the_limit(language, message):
    client = staff_client()
    add_product = reverse("admin:products_product_add")
    response = client.post(
        add_product,
        thirteen_mb_form(),
        content_type="application/x-www-form-urlencoded",
        HTTP_REFERER="http://testserver" + add_product,
        **language_headers(language),
    )
    assert response.status_code == 413
    html = page_text(response, language)
    assert message in html
    assert f'href="http://testserver{add_product}"' in html  # a way back to the form


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/san-pham/", "/admin/login/"])
def test_13_mb_form_post_to_a_public_url_is_a_413(url):
    """Any POST carrying the CSRF cookie has its body read by the CSRF check, so the limit answers first."""
    client = client_with_csrf_cookie()
    response = client.post(url, thirteen_mb_form(), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "vượt quá giới hạn 12 MB" in page_text(response, "vi")


@pytest.mark.django_db
def test_multipart_form_with_a_field_over_the_limit_is_a_413():
    client = staff_client()
    response = client.post(reverse("admin:products_product_add"), {"name": "Chè lam", "description": "a" * THIRTEEN_MB})
    assert response.status_code == 413
    assert "vượt quá giới hạn 12 MB" in page_text(response, "vi")


@pytest.mark.django_db
def test_form_with_too_many_fields_is_a_413_saying_so(settings):
    client = staff_client()
    fields = {f"truong_{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("admin:products_product_add"), fields, **language_headers("en"))
    assert response.status_code == 413
    html = page_text(response, "en")
    assert "too many fields or files (at most 1000 fields and 100 files)" in html
    assert "Nothing was saved." in html


# --- 429: login locked ---------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, heading, retry",
    [
        ("vi", "Tạm khoá đăng nhập", "Vui lòng thử lại sau 15 phút, lúc {time}."),
        ("en", "Login temporarily locked", "Please try again in 15 minutes, at {time}."),
    ],
)
def test_locked_login_is_a_429_saying_when_to_retry(client, settings, language, heading, retry):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)

    def retry_time():
        return timezone.localtime(timezone.now() + timedelta(minutes=15)).strftime("%H:%M")

    answers = []
    before = retry_time()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        answers.append(
            client.post(reverse("admin:login"), {"username": "bientap", "password": "sai-mat-khau"},
                        **language_headers(language))
        )
    after = retry_time()
    assert [a.status_code for a in answers] == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = answers[-1]
    assert locked["Retry-After"] == str(15 * 60)
    html = page_text(locked, language)
    assert heading in html
    assert retry.format(time=before) in html or retry.format(time=after) in html


@pytest.mark.django_db
def test_lockout_page_states_the_configured_cool_off(client, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("admin:login"), {"username": "bientap", "password": "sai-mat-khau"})
    assert response.status_code == 429
    assert "Vui lòng thử lại sau 30 phút" in page_text(response, "vi")


# --- 500 ----------------------------------------------------------------------------------
# No django_db mark: pytest-django refuses any query, so these prove the page needs no database.
@pytest.mark.parametrize(
    "language, heading, text",
    [
        ("vi", "Lỗi máy chủ", "Sự cố đã được ghi lại và báo cho quản trị viên"),
        ("en", "Server error", "The problem has been logged and reported to the administrators"),
    ],
)
def test_unhandled_error_is_a_500_page_that_needs_no_database(test_urls, language, heading, text):
    client = Client(raise_request_exception=False)
    response = client.get("/loi-thu/", **language_headers(language))
    assert response.status_code == 500
    html = page_text(response, language)
    assert heading in html and text in html
    assert FAILURE_MESSAGE not in html  # nothing of the error itself is shown


def test_500_page_still_answers_when_its_template_fails(test_urls, settings, tmp_path):
    (tmp_path / "errors").mkdir()
    (tmp_path / "errors" / "500.html").write_text('{% url "khong-co-ten-nay" %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    response = Client(raise_request_exception=False).get("/loi-thu/", **language_headers("en"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="en">' in html and "<h1>Server error</h1>" in html


# --- the API: JSON errors ---------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, detail", [("vi", "Không tìm thấy."), ("en", "Not found.")]
)
def test_unknown_api_path_is_a_json_404(client, language, detail):
    response = client.get("/api/v1/khong-co/", **language_headers(language))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


@pytest.mark.django_db
def test_api_detail_keeps_its_own_not_found_message(client):
    response = client.get("/api/v1/products/khong-co-san-pham-nay/", **language_headers("en"))
    assert response.status_code == 404
    assert response.json() == {"detail": "This product is not in the OCOP catalogue."}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, detail",
    [("vi", "Phương thức “POST” không được hỗ trợ."), ("en", "Method “POST” is not allowed.")],
)
def test_api_wrong_method_is_a_json_405_in_the_interface_language(client, language, detail):
    response = client.post("/api/v1/products/", {}, **language_headers(language))
    assert response.status_code == 405
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    "language, detail",
    [
        ("vi", "Quá nhiều yêu cầu. Vui lòng thử lại sau 42 giây."),
        ("en", "Too many requests. Please try again in 42 seconds."),
    ],
)
def test_api_throttled_is_a_json_429_with_retry_after(client, test_urls, language, detail):
    response = client.get("/api/v1/gioi-han-thu/", **language_headers(language))
    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    "language, detail",
    [
        ("vi", "Lỗi máy chủ. Sự cố đã được ghi lại; vui lòng thử lại sau."),
        ("en", "Server error. The problem has been logged; please try again later."),
    ],
)
def test_api_unhandled_error_is_a_json_500(test_urls, language, detail):
    response = Client(raise_request_exception=False).get("/api/v1/loi-thu/", **language_headers(language))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


@pytest.mark.django_db
def test_api_request_for_an_unknown_host_is_a_json_400(client):
    response = client.get("/api/v1/products/", HTTP_HOST="ocop.example.com")
    assert response.status_code == 400
    assert response.json() == {"detail": "Yêu cầu không hợp lệ."}


def test_api_body_over_the_limit_is_a_json_413(client, test_urls):
    response = client.post("/api/v1/gui-thu/", thirteen_mb_form(), content_type="application/x-www-form-urlencoded",
                           **language_headers("en"))
    assert response.status_code == 413
    assert response.json() == {"detail": "What you sent is larger than the limit of 12 MB. Nothing was saved."}


# --- unhandled errors: logged, mailed to ADMINS -----------------------------------------------------
@pytest.fixture
def smtp_inbox(settings):
    with smtp_server(settings) as inbox:
        settings.ADMINS = [("Kỹ thuật OCOP", "kythuat@ocop.example.vn")]
        settings.SERVER_EMAIL = "ocop@ocop.example.vn"
        yield inbox


@pytest.fixture
def request_log():
    """Records of the ``django.request`` logger (which does not propagate to the root, so caplog misses it)."""

    class Collect(logging.Handler):
        def __init__(self):
            super().__init__(level=logging.ERROR)
            self.records = []

        def emit(self, record):
            self.records.append(record)

    handler = Collect()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_unhandled_error_is_logged_and_mailed_to_admins(test_urls, smtp_inbox, request_log):
    response = Client(raise_request_exception=False).get("/loi-thu/")
    assert response.status_code == 500
    assert "Lỗi máy chủ" in page_text(response, "vi")

    [record] = request_log
    assert record.getMessage() == "Internal Server Error: /loi-thu/"
    assert record.exc_info[0] is RuntimeError

    [mail] = smtp_inbox.messages
    assert mail["To"] == "kythuat@ocop.example.vn"
    assert "ERROR" in mail["Subject"] and "Internal Server Error: /loi-thu/" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "Traceback (most recent call last)" in body and 'in failing_view' in body
    assert f"Exception Value: {FAILURE_MESSAGE}" in body


def test_page_not_found_is_not_mailed(client, smtp_inbox, db):
    assert client.get("/khong-co-trang-nay/").status_code == 404
    assert smtp_inbox.messages == []


# --- unhandled errors: Sentry ----------------------------------------------------------------
class SentryStandIn(BaseHTTPRequestHandler):
    """Accepts Sentry envelopes (POST /api/<project>/envelope/) and keeps their items."""

    envelopes = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.envelopes.append((self.path, [json.loads(line) for line in body.splitlines() if line.strip()]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    SentryStandIn.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SentryStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


SENTRY_SCRIPT = """
import django
django.setup()
import sentry_sdk
from django.test import Client
from django.test.utils import override_settings
with override_settings(ROOT_URLCONF="tests.test_error_pages", DEBUG=False):
    print(Client(raise_request_exception=False).get("/loi-thu/").status_code)
sentry_sdk.flush(timeout=10)
"""


def test_unhandled_error_is_sent_to_sentry_when_sentry_dsn_is_set(sentry_server, tmp_path):
    port = sentry_server.server_address[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "ocop_registry.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "SENTRY_DSN": f"http://0123456789abcdef@127.0.0.1:{port}/7",
        "SENTRY_ENVIRONMENT": "kiem-thu",
    }
    result = subprocess.run([sys.executable, "-c", SENTRY_SCRIPT], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500"

    events = [item for url, items in SentryStandIn.envelopes if url == "/api/7/envelope/" for item in items
              if "exception" in item]
    [event] = events
    [error] = event["exception"]["values"]
    assert (error["type"], error["value"]) == ("RuntimeError", FAILURE_MESSAGE)
    assert event["environment"] == "kiem-thu"
    assert (error["mechanism"]["type"], error["mechanism"]["handled"]) == ("django", False)  # caught by Django


# --- under gunicorn, DEBUG off ------------------------------------------------------------------
def test_error_pages_under_gunicorn(production_server):
    status, _headers, body = fetch(f"{production_server}/khong-co-trang-nay/")
    assert status == 404
    assert "Không tìm thấy trang" in body.decode() and b'class="site-header"' in body
    status, _headers, body = fetch(f"{production_server}/khong-co-trang-nay/", headers={"Accept-Language": "en"})
    assert (status, b"Page not found" in body) == (404, True)

    status, _headers, body = fetch(f"{production_server}/api/v1/khong-co/")
    assert (status, json.loads(body)) == (404, {"detail": "Không tìm thấy."})

    status, headers, _body = fetch(f"{production_server}/admin/login/")
    cookie = next(c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    # The answer arrives whole: the body Django refused unread is drained first, so no connection reset.
    status, headers, body = fetch(
        f"{production_server}/admin/login/",
        method="POST",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        data=thirteen_mb_form(),
    )
    assert status == 413
    assert "vượt quá giới hạn 12 MB" in body.decode()
