"""Login protection of the admin: lockout (django-axes), idle session expiry, TOTP second factor (django-otp)."""

import datetime
import json
import os
import re
import subprocess
import sys
from base64 import b32encode
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.server import flushed_redis, redis_cache_settings

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[1]
LOGIN = "/admin/login/"
INDEX = "/admin/"
PRODUCTS = "/admin/products/product/"
ENROL = "/admin/xac-thuc-hai-buoc/"
PASSWORD = "mat-khau-dung-2026"
REDIS_DB_URL = "redis://127.0.0.1:6379/9"


# --- helpers ------------------------------------------------------------------------------
@pytest.fixture
def clerk():
    user = get_user_model().objects.create_user("nhaplieu", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Cán bộ nhập liệu"))
    return user


@pytest.fixture
def root():
    return get_user_model().objects.create_superuser("quantri", email="", password=PASSWORD)


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = True


def post_login(client, username, password, token="", **headers):
    data = {"username": username, "password": password, "next": INDEX}
    if token:
        data["otp_token"] = token
    return client.post(LOGIN, data, **headers)


def logged_in(response):
    return response.status_code == 302 and response["Location"] == INDEX


WRONG_PASSWORD = "Bạn hãy nhập đúng Tên đăng nhập và mật khẩu."
WRONG_CODE = "Mã xác thực không đúng hoặc đã hết hạn."


def assert_refused(client, response, message):
    """The login form again, saying why, and nobody logged in."""
    assert response.status_code == 200
    assert f'<p class="errornote">{message}' in response.content.decode()
    assert "_auth_user_id" not in client.session


def assert_locked_out(client, response):
    """The 429 lockout page (errors/429.html), not the login form, and nobody logged in."""
    assert response.status_code == 429
    page = response.content.decode()
    assert '<h1 id="error-heading">Tạm khoá đăng nhập</h1>' in page
    assert "Đăng nhập sai 5 lần liên tiếp" in page and "Vui lòng thử lại sau 15 phút" in page
    assert 'id="login-form"' not in page
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def code(device, steps_ahead=0):
    """The code the authenticator app shows now (or `steps_ahead` periods of 30 s later)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + steps_ahead)
    return f"{value:06d}"


def add_device(user):
    return TOTPDevice.objects.create(user=user, name="Điện thoại", confirmed=True)


def settings_from_environment(env, names):
    """The named settings as ocop_registry/settings.py computes them from `env`, read in a fresh process."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "DATABASE_URL"))}
    environment.update({"DJANGO_DEBUG": "1", **env})
    code_ = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='ocop_registry.settings'; django.setup(); "
        f"from django.conf import settings; print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code_], cwd=BASE_DIR, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


# --- lockout ------------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_username_from_that_address_with_429(client, clerk):
    for _ in range(4):
        assert_refused(client, post_login(client, "nhaplieu", "sai"), WRONG_PASSWORD)
    assert_locked_out(client, post_login(client, "nhaplieu", "sai"))
    # Locked: even the right password is refused.
    assert_locked_out(client, post_login(client, "nhaplieu", PASSWORD))


def test_lockout_is_per_username_and_address(client, clerk):
    other = get_user_model().objects.create_user("vanphong", password=PASSWORD, is_staff=True)
    for _ in range(5):
        post_login(client, "nhaplieu", "sai")
    assert_locked_out(client, post_login(client, "nhaplieu", PASSWORD))
    # Another username from the same address.
    assert logged_in(post_login(client, other.username, PASSWORD))
    client.logout()
    # The same username from another address.
    assert logged_in(post_login(client, "nhaplieu", PASSWORD, REMOTE_ADDR="192.0.2.44"))


def test_lockout_ends_after_fifteen_minutes_and_never_lasts_forever(client, clerk):
    assert django_settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)
    for _ in range(5):
        post_login(client, "nhaplieu", "sai")
    # Fourteen minutes later: still locked; trying again then does not restart the fifteen minutes.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=14))
    assert_locked_out(client, post_login(client, "nhaplieu", PASSWORD))
    # Two more minutes: sixteen after the fifth failure, the right password works again.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=2))
    assert logged_in(post_login(client, "nhaplieu", PASSWORD))


def test_a_success_before_the_limit_resets_the_count(client, clerk):
    for _ in range(4):
        post_login(client, "nhaplieu", "sai")
    assert logged_in(post_login(client, "nhaplieu", PASSWORD))
    client.logout()
    for _ in range(4):
        assert_refused(client, post_login(client, "nhaplieu", "sai"), WRONG_PASSWORD)


# --- the client's address behind the reverse proxy ----------------------------------------------
def test_proxy_count_from_the_environment_reaches_axes_and_ipware():
    names = ["AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER", "IPWARE_STRICT"]
    assert settings_from_environment({}, names) == {
        "AXES_IPWARE_PROXY_COUNT": None,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["REMOTE_ADDR"],
        "IPWARE_STRICT": False,
    }
    assert settings_from_environment({"DJANGO_PROXY_COUNT": "1"}, names)["AXES_IPWARE_PROXY_COUNT"] == 0
    assert settings_from_environment({"DJANGO_PROXY_COUNT": "2"}, names) == {
        "AXES_IPWARE_PROXY_COUNT": 1,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR"],
        "IPWARE_STRICT": False,
    }


@pytest.fixture(params=[1, 2], ids=["nginx", "load-balancer+nginx"])
def behind_proxies(request, settings):
    """Settings as computed from DJANGO_PROXY_COUNT; returns the X-Forwarded-For the app receives."""
    count = request.param
    names = ["AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER", "IPWARE_STRICT"]
    for name, value in settings_from_environment({"DJANGO_PROXY_COUNT": str(count)}, names).items():
        setattr(settings, name, value)

    def forwarded_for(client_address, sent_by_client=""):
        # Each proxy appends the address it received from: the first appends the client's, the next the
        # first proxy's. What the client sent itself stays in front.
        hops = [sent_by_client] if sent_by_client else []
        hops.append(client_address)
        hops += ["10.0.0.2"] * (count - 1)
        # The last proxy is the socket peer, not in the header.
        return {"HTTP_X_FORWARDED_FOR": ", ".join(hops), "REMOTE_ADDR": "127.0.0.1"}

    return forwarded_for


def test_clients_behind_the_proxy_are_counted_by_their_own_address(client, clerk, behind_proxies):
    for _ in range(5):
        post_login(client, "nhaplieu", "sai", **behind_proxies("198.51.100.7"))
    assert_locked_out(client, post_login(client, "nhaplieu", PASSWORD, **behind_proxies("198.51.100.7")))
    # Another client, through the same proxy (same REMOTE_ADDR), is not locked.
    assert logged_in(post_login(client, "nhaplieu", PASSWORD, **behind_proxies("198.51.100.8")))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_a_client_cannot_choose_its_address_by_sending_x_forwarded_for(client, clerk, behind_proxies):
    # Each failure claims another address; the proxy appends the real one, which is what counts.
    for i in range(5):
        post_login(client, "nhaplieu", "sai", **behind_proxies("198.51.100.9", sent_by_client=f"203.0.113.{i}"))
    spoofed = behind_proxies("198.51.100.9", sent_by_client="203.0.113.200")
    assert_locked_out(client, post_login(client, "nhaplieu", PASSWORD, **spoofed))
    # Nor can junk in front void the header and fall back to a shared address.
    junk = behind_proxies("198.51.100.9", sent_by_client="unknown, not-an-ip")
    assert_locked_out(client, post_login(client, "nhaplieu", PASSWORD, **junk))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}


def test_without_a_proxy_x_forwarded_for_is_ignored(client, clerk):
    for i in range(5):
        post_login(client, "nhaplieu", "sai", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}", REMOTE_ADDR="192.0.2.10")
    response = post_login(client, "nhaplieu", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.77", REMOTE_ADDR="192.0.2.10")
    assert_locked_out(client, response)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.10"}


# --- lock state in the shared cache -----------------------------------------------------------
@pytest.fixture
def redis_lock_state(settings):
    """Axes' cache handler on the real Redis (database 9), as settings.py chooses when REDIS_URL is set."""
    settings.CACHES = redis_cache_settings(REDIS_DB_URL, "ocop-login-test")
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    yield from flushed_redis(REDIS_DB_URL)


def test_settings_keep_the_lock_state_in_redis_when_redis_url_is_set():
    assert settings_from_environment({"REDIS_URL": REDIS_DB_URL}, ["AXES_HANDLER"]) == {
        "AXES_HANDLER": "axes.handlers.cache.AxesCacheHandler"
    }
    assert settings_from_environment({}, ["AXES_HANDLER"]) == {
        "AXES_HANDLER": "axes.handlers.database.AxesDatabaseHandler"
    }


def test_a_lockout_lives_in_redis_and_another_process_enforces_it(client, clerk, redis_lock_state, tmp_path):
    for _ in range(5):
        post_login(client, "nhaplieu", "sai")
    assert_locked_out(client, post_login(client, "nhaplieu", PASSWORD))
    assert not AccessAttempt.objects.exists()  # nothing in the database: the state is in Redis

    keys = redis_lock_state.keys("ocop-login-test:*axes*")  # beside it, the registry's data version
    assert len(keys) == 1
    assert int(redis_lock_state.get(keys[0])) == 5
    ttl = redis_lock_state.ttl(keys[0])
    assert 14 * 60 < ttl <= 15 * 60  # the 15-minute cool-off, and it expires by itself: never locked forever

    # Another app server: a separate process with REDIS_URL and a database of its own, with no users.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "DATABASE_URL"))}
    environment.update(
        {
            "DJANGO_DEBUG": "1",
            "REDIS_URL": REDIS_DB_URL,
            "CACHE_KEY_PREFIX": "ocop-login-test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'other-server.sqlite3'}",
        }
    )
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='ocop_registry.settings'; django.setup(); "
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from django.test import Client, RequestFactory; from axes.handlers.proxy import AxesProxyHandler; "
        "credentials = {'username': 'nhaplieu'}; "
        f"locked = Client().post('{LOGIN}', {{**credentials, 'password': '{PASSWORD}'}}).status_code; "
        f"elsewhere = RequestFactory().post('{LOGIN}', credentials, REMOTE_ADDR='192.0.2.1'); "
        "AxesProxyHandler.update_request(elsewhere); "
        "print(locked, AxesProxyHandler.is_locked(elsewhere, credentials))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=environment, capture_output=True,
                            text=True, timeout=60)
    # Refused there too, before any database is read (it has no tables); the same username from another
    # address is not locked.
    assert result.stdout.split()[-2:] == ["429", "False"], result.stderr[-3000:]


# --- idle sessions ---------------------------------------------------------------------------
def test_staff_sessions_end_after_eight_idle_hours_and_activity_extends_them(client, clerk):
    assert logged_in(post_login(client, "nhaplieu", PASSWORD))
    response = client.get(INDEX)
    assert response.status_code == 200
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 60 * 60
    session = Session.objects.get()
    assert abs(session.expire_date - (timezone.now() + datetime.timedelta(hours=8))) < datetime.timedelta(minutes=1)

    # 7 h 59 min without a request: still in, and this request gives another 8 hours.
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert client.get(INDEX).status_code == 200
    extended = Session.objects.get().expire_date
    assert abs(extended - (timezone.now() + datetime.timedelta(hours=8))) < datetime.timedelta(minutes=1)

    # 8 hours without a request: logged out.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_public_pages_neither_renew_nor_rewrite_a_staff_session(client, clerk):
    assert logged_in(post_login(client, "nhaplieu", PASSWORD))
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(hours=1))

    response = client.get("/san-pham/")

    assert response.status_code == 200
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies  # the public answer is everyone's
    remaining = Session.objects.get().expire_date - timezone.now()
    assert datetime.timedelta(minutes=59) < remaining <= datetime.timedelta(hours=1)


# --- second factor ------------------------------------------------------------------------------
def test_login_page_is_vietnamese_asks_for_the_optional_code_and_has_no_inline_script(client):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="otp_token"' in html and 'autocomplete="one-time-code"' in html
    assert "Mã xác thực" in html and "Đăng nhập" in html and "Mật khẩu" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html and "<style" not in html


def test_staff_without_a_device_log_in_with_the_password_alone(client, clerk, otp_required):
    assert logged_in(post_login(client, "nhaplieu", PASSWORD))
    assert client.get(PRODUCTS).status_code == 200


def test_staff_with_a_device_must_give_its_current_code(client, clerk):
    device = add_device(clerk)
    assert_refused(client, post_login(client, "nhaplieu", PASSWORD), WRONG_CODE)

    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    assert_refused(client, post_login(client, "nhaplieu", PASSWORD, wrong), WRONG_CODE)

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert logged_in(post_login(client, "nhaplieu", PASSWORD, code(device)))
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(PRODUCTS).status_code == 200


def test_a_used_code_cannot_be_replayed(client, clerk):
    device = add_device(clerk)
    current = code(device)
    assert logged_in(post_login(client, "nhaplieu", PASSWORD, current))
    client.logout()
    assert_refused(client, post_login(client, "nhaplieu", PASSWORD, current), WRONG_CODE)


def test_wrong_codes_count_towards_the_lockout(client, clerk):
    add_device(clerk)
    for _ in range(4):
        assert_refused(client, post_login(client, "nhaplieu", PASSWORD, "000000"), WRONG_CODE)
    assert_locked_out(client, post_login(client, "nhaplieu", PASSWORD, "000000"))


def test_staff_enrol_from_the_admin_and_then_need_the_code(client, clerk):
    assert logged_in(post_login(client, "nhaplieu", PASSWORD))
    index = client.get(INDEX).content.decode()
    assert ENROL in index and "Bật xác thực hai bước" in index

    page = client.get(ENROL)
    html = page.content.decode()
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    assert "<svg" in html and 'class="otp-qr"' in html
    assert " ".join(re.findall(".{1,4}", b32encode(device.bin_key).decode())) in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "style=" not in html

    refused = client.post(ENROL, {"otp_token": "000000"})
    assert refused.status_code == 200 and "Mã không đúng" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=clerk, confirmed=True).exists()

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(ENROL, {"otp_token": code(device)})
    assert response.status_code == 302 and response["Location"] == INDEX
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "Xác thực hai bước đang bật" in client.get(ENROL).content.decode()

    client.logout()
    assert_refused(client, post_login(client, "nhaplieu", PASSWORD), WRONG_CODE)
    assert logged_in(post_login(client, "nhaplieu", PASSWORD, code(device, steps_ahead=1)))


def test_superuser_without_a_device_is_sent_to_enrolment_and_nowhere_else(client, root, otp_required):
    response = post_login(client, "quantri", PASSWORD)
    assert response.status_code == 302
    for url in (INDEX, PRODUCTS, "/admin/password_change/", "/admin/auth/user/", LOGIN):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(ENROL), url

    page = client.get(ENROL)
    assert page.status_code == 200
    assert "phải dùng xác thực hai bước" in page.content.decode()
    device = TOTPDevice.objects.get(user=root, confirmed=False)
    response = client.post(ENROL, {"otp_token": code(device), "next": PRODUCTS})
    assert response.status_code == 302 and response["Location"] == PRODUCTS
    assert client.get(PRODUCTS).status_code == 200
    assert client.get(INDEX).status_code == 200


def test_superuser_who_must_enrol_can_still_log_out(client, root, otp_required):
    post_login(client, "quantri", PASSWORD)
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_superuser_with_a_device_logs_in_with_the_code(client, root, otp_required):
    device = add_device(root)
    assert_refused(client, post_login(client, "quantri", PASSWORD), WRONG_CODE)
    assert logged_in(post_login(client, "quantri", PASSWORD, code(device)))
    assert client.get(PRODUCTS).status_code == 200


def test_superuser_session_without_the_second_factor_is_refused(client, root, otp_required):
    client.force_login(root)  # password-only session
    response = client.get(PRODUCTS)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    add_device(root)
    response = client.get(PRODUCTS)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_in_development_the_second_factor_stays_optional_for_superusers(client, root, settings):
    settings.OTP_REQUIRED_FOR_SUPERUSERS = False
    assert logged_in(post_login(client, "quantri", PASSWORD))
    assert client.get(PRODUCTS).status_code == 200


def test_production_requires_the_second_factor_for_superusers_by_default():
    names = ["OTP_REQUIRED_FOR_SUPERUSERS"]
    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "s" * 50}
    assert settings_from_environment(production, names) == {"OTP_REQUIRED_FOR_SUPERUSERS": True}
    assert settings_from_environment({}, names) == {"OTP_REQUIRED_FOR_SUPERUSERS": False}  # DJANGO_DEBUG=1
