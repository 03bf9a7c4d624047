"""The shared cache (REDIS_URL): Django's Redis cache, and the site keeps serving when Redis does not.

Real components only: the shared Redis at 127.0.0.1:6379 (a database of its own, flushed), a private
redis-server this module starts and stops, a closed port, and a TCP listener that accepts and never
answers (a hung Redis).
"""

import asyncio
import datetime
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Permission, User
from django.core.cache import caches

from ocop_registry.cache import ResilientRedisCache
from tests.factories import make_phase, make_recognition
from tests.server import flushed_redis, free_port
from tests.server import redis_cache_settings as shared_cache_settings

BASE_DIR = Path(__file__).resolve().parent.parent
SHARED_REDIS = "redis://127.0.0.1:6379/13"  # this module's own database on the shared Redis
OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}  # as settings.py


def redis_cache_settings(location: str) -> dict:
    return shared_cache_settings(location, **OPTIONS)


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there: connection refused


@contextmanager
def hung_redis():
    """A TCP listener that accepts connections and never answers; yields (url, connections accepted)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = []

    def accept_forever():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept_forever, daemon=True).start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0", accepted
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


@contextmanager
def black_holed_redis():
    """An address whose connections never complete (a listener with a full queue drops new SYNs), as a Redis
    behind a dead network path or a firewall that drops packets; yields (url, None)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    queued = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        queued.append(filler)
    time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0", None
    finally:
        for filler in queued:
            filler.close()
        listener.close()


class PrivateRedis:
    """A redis-server of our own on a free port, which a test may stop and start again."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.tmp_path = tmp_path
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.tmp_path)],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared_redis():
    yield from flushed_redis(SHARED_REDIS)


@pytest.fixture
def site(db):
    """A certified product, a phase with targets, an official allowed the dashboard, and a staff member."""
    product = make_recognition(stars=4, decision_date=datetime.date(2026, 3, 1)).product
    make_phase()
    official = User.objects.create_user("can-bo", password="mat-khau-dai-123")
    view_dashboard = Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations")
    official.user_permissions.add(view_dashboard)
    User.objects.create_user("nhan-vien", password="mat-khau-dai-456", is_staff=True)
    return {"product": product, "official": official}


def public_paths(product) -> list:
    return ["/", "/san-pham/", product.get_absolute_url(), "/api/v1/products/", "/api/v1/progress/", "/sitemap.xml"]


def assert_site_answers(client, site):
    for path in public_paths(site["product"]):
        assert client.get(path).status_code == 200, path
    client.force_login(site["official"])
    assert client.get("/bang-dieu-khien/").status_code == 200
    assert client.get("/bang-dieu-khien/sap-het-han.csv").status_code == 200
    client.logout()
    assert client.get("/admin/login/").status_code == 200
    # A wrong password is counted by django-axes in the cache (its production handler); then the right one.
    wrong = client.post("/admin/login/", {"username": "nhan-vien", "password": "sai"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    right = client.post("/admin/login/", {"username": "nhan-vien", "password": "mat-khau-dai-456"})
    assert right.status_code == 302, right.status_code
    assert client.get("/admin/").status_code == 200


@pytest.fixture
def production_axes(settings):
    """django-axes counting failures in the cache, as it does in production when REDIS_URL is set."""

    def use_cache_handler():
        settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"  # re-created on the current cache

    return use_cache_handler


# --- Settings --------------------------------------------------------------------------------------


def _caches_with(env: dict) -> dict:
    inherited = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_DEBUG"}}
    code = "from django.conf import settings; print(repr(settings.CACHES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=BASE_DIR, check=True,
        capture_output=True, text=True,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "ocop_registry.settings", "DJANGO_DEBUG": "1", **env},
    )
    return eval(result.stdout)  # noqa: S307 - our own repr of a settings dict


def test_redis_url_selects_the_resilient_redis_cache_with_short_timeouts():
    default = _caches_with({"REDIS_URL": SHARED_REDIS})
    assert default["BACKEND"] == "ocop_registry.cache.ResilientRedisCache"
    assert default["LOCATION"] == SHARED_REDIS
    assert default["OPTIONS"]["socket_connect_timeout"] <= 1 and default["OPTIONS"]["socket_timeout"] <= 1


def test_without_redis_url_the_cache_is_local_memory():
    assert _caches_with({})["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


# --- Redis down: every page is still served ----------------------------------------------------------


def test_every_page_is_served_when_the_cache_points_at_a_closed_port(client, site, settings, production_axes):
    with_cache = client.get("/api/v1/progress/").json()  # the test's local-memory cache
    settings.CACHES = redis_cache_settings(closed_port_url())
    production_axes()
    assert isinstance(caches["default"], ResilientRedisCache)
    assert_site_answers(client, site)
    # Computed, not empty: the figures are those a working cache gives.
    assert client.get("/api/v1/progress/").json() == with_cache
    assert site["product"].name in client.get(site["product"].get_absolute_url()).content.decode()


def test_every_page_is_served_while_redis_is_stopped_and_the_cache_works_again_when_it_is_back(
    client, site, settings, production_axes, private_redis
):
    settings.CACHES = redis_cache_settings(private_redis.url)
    production_axes()
    client.get("/api/v1/progress/")
    shared = redis.Redis.from_url(private_redis.url)
    assert shared.keys("*figures*"), "the figures are cached in Redis while it runs"

    caches["default"].retry_after = 0.5
    private_redis.stop()
    assert_site_answers(client, site)

    private_redis.start()  # empty: --save ""
    time.sleep(1.0)  # the breaker's 0.5 s pause is over
    client.get("/api/v1/progress/")
    assert redis.Redis.from_url(private_redis.url).keys("*figures*"), "cached again once Redis is back"


def run_async(coroutine):
    """Await ``coroutine`` in a thread of its own (the browser tests leave an event loop in this one)."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=asyncio.run(coroutine)))
    thread.start()
    thread.join()
    return result["value"]


def test_every_cache_method_answers_like_an_empty_cache_when_redis_is_unreachable(settings):
    settings.CACHES = redis_cache_settings(closed_port_url())
    cache = caches["default"]
    assert cache.get("k") is None
    assert cache.get("k", "absent") == "absent"
    assert cache.get_or_set("k", lambda: "computed") == "computed"
    assert cache.get_many(["k", "l"]) == {}
    assert cache.has_key("k") is False and "k" not in cache
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is True
    assert cache.set_many({"k": 1, "l": 2}) == ["k", "l"]
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.delete_many(["k", "l"]) is None
    assert cache.incr("k") == 1 and cache.incr("k", 5) == 5
    assert cache.decr("k") == -1
    assert cache.clear() is False
    assert run_async(cache.aget("k", "absent")) == "absent"
    assert run_async(cache.aget_or_set("k", "computed")) == "computed"
    assert run_async(cache.aset("k", 1)) is None


def test_after_a_failure_redis_is_left_alone_for_a_few_seconds(settings):
    with hung_redis() as (url, accepted):
        settings.CACHES = redis_cache_settings(url)
        cache = caches["default"]
        cache.retry_after = 1
        started = time.monotonic()
        assert cache.get("k", "absent") == "absent"
        assert 0.4 < time.monotonic() - started < 2, "one socket timeout"
        assert len(accepted) == 1

        started = time.monotonic()
        for _ in range(20):
            cache.set("k", 1)
            assert cache.get("k") is None
        assert time.monotonic() - started < 0.1
        assert len(accepted) == 1, "not retried during the pause"

        time.sleep(1.5)  # past the 1 s pause, with a margin for a busy machine
        assert cache.get("k", "absent") == "absent"
        assert len(accepted) == 2, "retried once the pause is over"


@pytest.mark.parametrize("unresponsive_redis", [hung_redis, black_holed_redis], ids=["hung", "black-holed"])
def test_an_unresponsive_redis_costs_one_short_timeout_not_one_per_cache_call(
    client, site, settings, unresponsive_redis
):
    with unresponsive_redis() as (url, accepted):
        settings.CACHES = redis_cache_settings(url)
        client.force_login(site["official"])
        started = time.monotonic()
        assert client.get("/bang-dieu-khien/").status_code == 200  # a get and a set: one timeout, then skipped
        assert time.monotonic() - started < 2.5
        started = time.monotonic()
        assert client.get("/api/v1/progress/").status_code == 200
        assert client.get("/bang-dieu-khien/").status_code == 200
        assert client.get("/").status_code == 200
        # Without the pause these would wait 0.5 s for each of their 4 cache calls.
        assert time.monotonic() - started < 2, "Redis is skipped, not waited for, during the pause"
        if accepted is not None:
            assert len(accepted) == 1


# --- Redis up: one cache for every worker and machine -----------------------------------------------


def new_connection(location=SHARED_REDIS) -> ResilientRedisCache:
    """A cache object of its own, as another gunicorn worker (or machine) has."""
    return ResilientRedisCache(location, {"KEY_PREFIX": "ocop", "OPTIONS": OPTIONS})


def test_clearing_the_cache_deletes_only_this_registrys_keys(shared_redis):
    shared_redis.set("another-instance:1:figures", "theirs")
    registry = new_connection()
    for number in range(1500):  # more than one batch
        registry.set(f"k{number}", number)

    assert registry.clear() is True

    assert shared_redis.keys("ocop:*") == []
    assert shared_redis.get("another-instance:1:figures") == b"theirs"


def test_values_written_by_one_worker_are_read_by_another(shared_redis):
    worker_a, worker_b = new_connection(), new_connection()
    worker_a.set("figures", {"stars": [1, 2, 3]})
    worker_a.set_many({"x": "một", "y": 2})
    worker_a.add("counter", 1)
    assert worker_b.get("figures") == {"stars": [1, 2, 3]}
    assert worker_b.get_many(["x", "y", "z"]) == {"x": "một", "y": 2}
    assert worker_b.incr("counter") == 2 and worker_a.get("counter") == 2
    assert worker_b.add("counter", 1) is False
    worker_b.delete("figures")
    assert worker_a.get("figures") is None
    with pytest.raises(ValueError):
        worker_a.incr("missing")  # a reachable Redis keeps Django's contract


def test_a_cached_value_outlives_the_cache_object_that_wrote_it(shared_redis):
    writer = new_connection()
    writer.set("kept", "giá trị", timeout=60)
    writer.set("default-timeout", 1)
    writer.close()
    del writer
    reader = new_connection()
    assert reader.get("kept") == "giá trị"
    assert 0 < shared_redis.ttl(reader.make_key("kept")) <= 60
    assert 0 < shared_redis.ttl(reader.make_key("default-timeout")) <= 300, "Django's default TIMEOUT, not forever"


def test_figures_computed_by_one_worker_are_served_to_another_from_redis(client, site, settings, shared_redis):
    settings.CACHES = redis_cache_settings(SHARED_REDIS)
    first = client.get("/api/v1/progress/").json()
    keys = shared_redis.keys("*figures*")
    assert len(keys) == 1
    assert 0 < shared_redis.ttl(keys[0]) <= 3600

    settings.CACHES = redis_cache_settings(SHARED_REDIS)  # a new cache object, as in another worker
    assert client.get("/api/v1/progress/").json() == first
    assert shared_redis.keys("*figures*") == keys, "read from Redis, not computed again"
