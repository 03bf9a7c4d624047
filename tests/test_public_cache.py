"""Public answers from the shared cache until the next write (ocop_registry.public_cache, data_version).

In-process tests turn the cache on over the test's local-memory cache (one process, so that is sound); the
last tests run two real gunicorn servers sharing one Redis database, as two machines would.
"""

import datetime
import io
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import http_date

from evaluations.demo import demo_load
from evaluations.models import Evaluation, Phase
from evaluations.register_import import register_import
from evaluations.services import evaluation_recognise
from ocop_registry import data_version, public_cache
from ocop_registry.urls import urlpatterns as site_urlpatterns
from products.models import Product
from products.services import products_bulk_create
from tests.factories import OFFICE, any_commune, make_evaluation, make_producer, make_recognition, make_staff
from tests.server import BASE_DIR, fetch, flushed_redis, free_port

REDIS_DB = "redis://127.0.0.1:6379/10"  # the two-server test's own database on the shared Redis


# A few answers the registry never gives, to see what the cache refuses (this module is also the URLconf of
# the tests marked ``urls``).
def _sets_a_cookie(request):
    response = HttpResponse("with a cookie")
    response.set_cookie("chosen", "1")
    return response


def _private(request):
    return HttpResponse("private", headers={"Cache-Control": "private"})


def _varies_on_accept(request):
    return HttpResponse("by type", headers={"Vary": "Accept"})


urlpatterns = [
    path("thu/cookie/", _sets_a_cookie),
    path("thu/private/", _private),
    path("thu/vary/", _varies_on_accept),
    *site_urlpatterns,
]


@pytest.fixture
def public_cache_on(settings):
    settings.PUBLIC_CACHE = True  # over the test's local-memory cache, cleared before each test (conftest.py)


@pytest.fixture
def product(db):
    return make_recognition(stars=4, decision_date=datetime.date(2025, 3, 1)).product


def hit(client, url, django_assert_num_queries, **headers):
    """A request the cache answers: no query, no template."""
    with django_assert_num_queries(0):
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.templates == []
    return response


def computed(client, url, **headers):
    """A request the view answers (a template rendered or the database read)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.templates or queries.captured_queries
    return response


def midnight():
    return datetime.datetime.combine(timezone.localdate(), datetime.time.min, tzinfo=timezone.get_current_timezone())


def version_an_hour_ago():
    version = data_version._now() - 3600 * 1_000_000
    cache.set(data_version.KEY, version, None)
    return version


# --- Hits and misses -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/san-pham/", "/san-pham/?stars=4", "/xa-phuong/", "/api/v1/products/",
                                 "/api/v1/progress/", "/huong-dan/"])
def test_the_second_anonymous_request_is_answered_from_the_cache_without_query_or_template(
    client, product, public_cache_on, django_assert_num_queries, url
):
    first = computed(client, url)
    second = hit(client, url, django_assert_num_queries)
    assert second.content == first.content


def test_a_product_page_is_cached(client, product, public_cache_on, django_assert_num_queries):
    first = computed(client, product.get_absolute_url())
    assert hit(client, product.get_absolute_url(), django_assert_num_queries).content == first.content


def test_a_cached_answer_carries_the_same_headers_as_a_fresh_one(client, product, public_cache_on):
    version_an_hour_ago()  # not within the second of the write, when Last-Modified is left out
    fresh = client.get("/san-pham/")
    cached = client.get("/san-pham/")
    assert cached.templates == []
    assert dict(cached.headers) == dict(fresh.headers)
    headers = cached.headers
    assert headers["Vary"] == "Accept-Language, Cookie"
    assert headers["Content-Language"] == "vi" and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert int(headers["Content-Length"]) == len(cached.content)


def test_answers_are_kept_apart_by_query_string(client, product, public_cache_on, django_assert_num_queries):
    four = computed(client, "/san-pham/?stars=4").content
    three = computed(client, "/san-pham/?stars=3").content
    assert product.name in four.decode() and product.name not in three.decode()
    assert hit(client, "/san-pham/?stars=3", django_assert_num_queries).content == three
    assert hit(client, "/san-pham/?stars=4", django_assert_num_queries).content == four


def test_answers_are_kept_apart_by_the_language_the_visitor_gets(
    client, product, public_cache_on, settings, django_assert_num_queries
):
    vietnamese = computed(client, "/").content.decode()
    english = computed(client, "/", accept_language="en-GB,en;q=0.8").content.decode()
    assert '<html lang="vi"' in vietnamese and '<html lang="en"' in english
    assert hit(client, "/", django_assert_num_queries, accept_language="en").content.decode() == english
    assert hit(client, "/", django_assert_num_queries).content.decode() == vietnamese

    # The language cookie (the header's switch) wins over Accept-Language, cached or not.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert hit(client, "/", django_assert_num_queries, accept_language="vi").content.decode() == english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    answer = hit(client, "/", django_assert_num_queries, accept_language="en")
    assert answer.content.decode() == vietnamese and answer["Content-Language"] == "vi"


def test_the_host_is_part_of_the_key(client, product, public_cache_on, settings):
    settings.ALLOWED_HOSTS = ["testserver", "ocop.example.vn"]
    computed(client, "/")
    other = computed(client, "/", host="ocop.example.vn")
    assert 'href="http://ocop.example.vn/"' in other.content.decode()


def test_plain_http_is_redirected_and_https_answers_carry_hsts_cached_or_not(
    client, product, public_cache_on, settings, django_assert_num_queries
):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    assert client.get("/san-pham/").status_code == 301
    fresh = client.get("/san-pham/", secure=True)
    assert fresh.status_code == 200 and fresh.templates
    assert client.get("/san-pham/").status_code == 301  # the HTTPS answer is not given over HTTP
    with django_assert_num_queries(0):
        cached = client.get("/san-pham/", secure=True)
    assert cached.templates == [] and cached.content == fresh.content
    assert cached["Strict-Transport-Security"] == fresh["Strict-Transport-Security"] == "max-age=3600"


def test_a_request_for_an_unknown_host_is_refused_as_without_the_cache(client, db, public_cache_on):
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_an_api_request_for_indented_json_is_computed(client, product, public_cache_on):
    computed(client, "/api/v1/products/")
    indented = computed(client, "/api/v1/products/", accept="application/json; indent=4")
    assert b'\n    "' in indented.content


def test_an_entry_of_another_day_is_not_served(client, product, public_cache_on, monkeypatch):
    today = computed(client, "/san-pham/")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    next_day = computed(client, "/san-pham/")  # certificates expire with the calendar
    assert next_day["ETag"] != today["ETag"]


def test_a_new_release_does_not_serve_the_previous_ones_answers(client, product, public_cache_on, monkeypatch):
    before = computed(client, "/")
    monkeypatch.setattr(public_cache, "release", lambda: "another")
    after = computed(client, "/")
    assert after["ETag"] != before["ETag"]


def test_a_missing_data_version_is_started_once_and_every_worker_agrees(db):
    cache.delete(data_version.KEY)
    first = data_version.current()
    assert data_version.current() == first == cache.get(data_version.KEY)
    assert data_version.ensure(None) == first  # a second worker that also found it missing


def test_a_version_started_after_the_cache_lost_it_is_newer_than_any_before(db):
    before = data_version.current()
    cache.clear()  # Redis restarted, flushed or evicted the key
    assert data_version.current() > before


# --- Conditional requests -----------------------------------------------------------------------------------


def test_a_matching_etag_gets_304_without_a_query(client, product, public_cache_on, django_assert_num_queries):
    first = computed(client, "/san-pham/")
    etag = first["ETag"]
    assert etag.startswith('W/"')
    with django_assert_num_queries(0):
        again = client.get("/san-pham/", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Vary"] == "Accept-Language, Cookie"
    assert again["Cache-Control"] == "public, max-age=60"
    # Another language is another answer.
    assert client.get("/san-pham/", headers={"if-none-match": etag, "accept-language": "en"}).status_code == 200


def test_last_modified_comes_from_the_data_version_and_if_modified_since_gets_304(
    client, product, public_cache_on, django_assert_num_queries
):
    version = version_an_hour_ago()
    first = computed(client, "/san-pham/")
    modified = max(data_version.last_modified(version), int(midnight().timestamp()))
    assert first["Last-Modified"] == http_date(modified)
    with django_assert_num_queries(0):
        same = client.get("/san-pham/", headers={"if-modified-since": first["Last-Modified"]})
    assert same.status_code == 304
    assert client.get("/san-pham/", headers={"if-modified-since": http_date(modified - 1)}).status_code == 200


def test_no_last_modified_in_the_second_of_a_write(client, product, public_cache_on):
    cache.set(data_version.KEY, data_version._now(), None)
    assert "Last-Modified" not in computed(client, "/")  # it would name a second another write may share


def test_after_a_write_the_old_validators_no_longer_match(
    client, product, public_cache_on, django_capture_on_commit_callbacks
):
    version_an_hour_ago()
    first = computed(client, "/san-pham/")
    with django_capture_on_commit_callbacks(execute=True):
        make_recognition(stars=3)
    for header, value in (("if-none-match", first["ETag"]), ("if-modified-since", first["Last-Modified"])):
        assert client.get("/san-pham/", headers={header: value}).status_code == 200, header


# --- Who gets a public answer ---------------------------------------------------------------------------


def test_anonymous_public_answers_are_public_for_a_minute(client, product, public_cache_on):
    for url in ("/", "/san-pham/", product.get_absolute_url(), "/api/v1/products/", "/api/v1/progress/"):
        response = client.get(url)
        assert response["Cache-Control"] == "public, max-age=60", url
        assert "ETag" in response, url


def test_staff_areas_are_never_public(client, db, public_cache_on):
    client.force_login(make_staff("office", role=OFFICE))
    for url in ("/admin/", "/bang-dieu-khien/", "/bang-dieu-khien/sap-het-han.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "public" not in response["Cache-Control"] and "private" in response["Cache-Control"], url
        assert "ETag" not in response, url


def test_staff_areas_are_private_with_the_cache_off_too(client, db):
    client.force_login(make_staff("office", role=OFFICE))
    assert client.get("/bang-dieu-khien/")["Cache-Control"] == "private"


def test_anonymous_visitors_of_staff_areas_are_not_cached(client, db, public_cache_on):
    for url in ("/admin/login/", "/bang-dieu-khien/"):
        client.get(url)
        response = client.get(url)
        assert "public" not in response.get("Cache-Control", ""), url
        assert response.templates or response.status_code == 302, url


def test_a_signed_in_member_of_staff_gets_pages_computed_and_never_stored(
    client, product, public_cache_on, django_assert_num_queries
):
    client.force_login(make_staff("office", role=OFFICE))
    for _ in range(2):
        response = client.get("/san-pham/")
        assert response.templates and "public" not in response.get("Cache-Control", "")
    anonymous = Client()
    computed(anonymous, "/san-pham/")  # nothing was stored from the staff member's requests
    hit(anonymous, "/san-pham/", django_assert_num_queries)


def test_requests_with_authorization_or_a_messages_cookie_are_computed(client, product, public_cache_on):
    computed(client, "/api/v1/products/")
    computed(client, "/api/v1/products/", authorization="Bearer x")
    client.cookies["messages"] = "x"
    computed(client, "/api/v1/products/")


def test_head_and_other_methods_go_to_the_views(client, product, public_cache_on):
    computed(client, "/api/v1/products/")
    with CaptureQueriesContext(connection) as queries:
        assert client.head("/api/v1/products/").status_code == 200
    assert queries.captured_queries
    assert client.post("/san-pham/").status_code == 405


@pytest.mark.urls("tests.test_public_cache")
@pytest.mark.parametrize("url", ["/thu/cookie/", "/thu/private/", "/thu/vary/"])
def test_answers_that_set_a_cookie_are_private_or_vary_otherwise_are_not_stored(client, db, public_cache_on, url):
    first = client.get(url)
    assert first.status_code == 200 and "ETag" not in first
    assert "public" not in first.get("Cache-Control", "")
    assert not any(key.startswith(":1:page:") for key in cache._cache)  # locmem's own keys


def test_errors_and_redirects_are_not_stored(client, db, public_cache_on):
    for url in ("/san-pham/khong-co/", "/san-pham"):
        first = client.get(url)
        assert first.status_code in (301, 404)
        assert "public" not in first.get("Cache-Control", "")
    assert not any(":page:" in key for key in cache._cache)


class Untouchable:
    def __getattr__(self, name):
        raise AssertionError(f"the page cache was consulted ({name})")


def test_staff_areas_probes_and_files_never_consult_the_page_cache(client, db, public_cache_on, monkeypatch):
    monkeypatch.setattr(public_cache, "cache", Untouchable())
    for url in ("/healthz", "/readyz", "/ngon-ngu/en/?next=/", "/admin/login/", "/bang-dieu-khien/",
                "/loi/qua-lon/", "/static/khong-co.css", "/media/products/khong-co.jpg"):
        client.get(url)


# --- Every write path makes the next request fresh ----------------------------------------------------------


@pytest.fixture
def anonymous():
    return Client()


def test_an_admin_save_makes_the_next_request_fresh(
    client, anonymous, product, public_cache_on, django_capture_on_commit_callbacks
):
    assert product.name in computed(anonymous, product.get_absolute_url()).content.decode()
    client.force_login(make_staff("office", role=OFFICE))
    url = reverse("admin:products_producer_change", args=[product.producer_id])
    data = {"name": "HTX Đổi Tên", "kind": product.producer.kind, "commune": product.producer.commune_id,
            "address": "", "tax_code": "", "representative": "", "phone": "0912345678", "email": ""}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    assert "HTX Đổi Tên" in computed(anonymous, product.get_absolute_url()).content.decode()


def test_an_admin_batch_revocation_makes_the_next_request_fresh(
    client, anonymous, product, public_cache_on, django_capture_on_commit_callbacks
):
    assert product.slug in computed(anonymous, "/api/v1/products/").content.decode()
    client.force_login(make_staff("office", role=OFFICE))
    recognition = product.evaluations.get()
    payload = {"action": "revoke_action", "_selected_action": [str(recognition.pk)], "index": "0",
               "select_across": "0", "apply": "1", "revocation_no": "77/QĐ-UBND", "revocation_date": "01/02/2026"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:evaluations_evaluation_changelist"), payload).status_code == 302
    assert product.slug not in computed(anonymous, "/api/v1/products/").content.decode()


def test_an_admin_delete_makes_the_next_request_fresh(
    client, anonymous, db, public_cache_on, django_capture_on_commit_callbacks
):
    phase = Phase.objects.create(name="Giai đoạn thử", start=datetime.date(2026, 1, 1), end=datetime.date(2030, 12, 31))
    assert "Giai đoạn thử" in computed(anonymous, "/api/v1/progress/").content.decode()
    client.force_login(make_staff("admin", superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:evaluations_phase_delete", args=[phase.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert "Giai đoạn thử" not in computed(anonymous, "/api/v1/progress/").content.decode()


def test_a_service_write_makes_the_next_request_fresh(
    anonymous, db, public_cache_on, django_capture_on_commit_callbacks
):
    evaluation = make_evaluation(scores=(28, 20, 30))
    assert evaluation.product.slug not in computed(anonymous, "/api/v1/products/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_recognise(evaluation=evaluation, decision_no="9/QĐ-UBND", decision_date=datetime.date(2026, 1, 5))
    assert evaluation.product.slug in computed(anonymous, "/api/v1/products/").content.decode()


def test_bulk_created_products_bump_the_version(db, django_capture_on_commit_callbacks):
    producer = make_producer()
    before = data_version.current()
    with django_capture_on_commit_callbacks(execute=True):
        products_bulk_create(products=[Product(name="Mật ong rừng", producer=producer, commune=any_commune())])
    assert data_version.current() > before  # bulk_create sends no signal: the service bumps


def test_a_write_rolled_back_does_not_bump(db):
    before = data_version.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_producer()
        raise RuntimeError
    assert data_version.current() == before


def test_the_register_import_makes_the_next_request_fresh(
    anonymous, db, public_cache_on, django_capture_on_commit_callbacks
):
    assert "Chè lam Phủ Quảng" not in computed(anonymous, "/api/v1/products/?q=che+lam").content.decode()
    rows = ("STT,Tên sản phẩm,Chủ thể,Loại hình chủ thể,Xã,Huyện,Nhóm sản phẩm,Điểm,Hạng sao,Cấp công nhận,"
            "Số quyết định,Ngày quyết định\n1,Chè lam Phủ Quảng,HTX Chè lam,HTX,Lam Sơn,,Thực phẩm chế biến,60,3,"
            "Tỉnh,1120/QĐ-UBND,2025-08-15\n")
    with django_capture_on_commit_callbacks(execute=True):
        assert register_import(rows.encode()).written
    assert "Chè lam Phủ Quảng" in computed(anonymous, "/api/v1/products/?q=che+lam").content.decode()


def test_an_import_of_decisions_for_known_products_makes_the_next_request_fresh(
    anonymous, product, public_cache_on, django_capture_on_commit_callbacks
):
    """Only evaluations are written (bulk_create, no signal): recognitions_resequence bumps."""
    before = computed(anonymous, product.get_absolute_url()).content.decode()
    assert "88/QĐ-NHẬP" not in before
    rows = ("STT,Tên sản phẩm,Chủ thể,Loại hình chủ thể,Xã,Huyện,Nhóm sản phẩm,Điểm,Hạng sao,Cấp công nhận,"
            f"Số quyết định,Ngày quyết định\n1,{product.name},{product.producer.name},HTX,{product.commune.name},,,"
            "80,4,Tỉnh,88/QĐ-NHẬP,2026-01-20\n")
    with django_capture_on_commit_callbacks(execute=True):
        report = register_import(rows.encode())
    assert report.written, report
    assert Evaluation.objects.filter(product=product).count() == 2
    assert "88/QĐ-NHẬP" in computed(anonymous, product.get_absolute_url()).content.decode()


def test_loading_the_demo_makes_the_next_request_fresh(
    anonymous, db, public_cache_on, django_capture_on_commit_callbacks
):
    empty = computed(anonymous, "/api/v1/products/").json()
    with django_capture_on_commit_callbacks(execute=True):
        demo_load()
    assert computed(anonymous, "/api/v1/products/").json()["count"] > empty["count"]


def test_migrate_bumps_the_version(db, django_capture_on_commit_callbacks):
    before = data_version.current()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("migrate", verbosity=0, stdout=io.StringIO())
    assert data_version.current() > before


# --- Redis down, settings ---------------------------------------------------------------------------------


def test_pages_are_answered_while_redis_is_unreachable(client, product, public_cache_on, settings):
    settings.CACHES = {"default": {"BACKEND": "ocop_registry.cache.ResilientRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0", "KEY_PREFIX": "ocop",
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    for _ in range(2):
        for url in ("/", "/san-pham/", product.get_absolute_url(), "/api/v1/products/", "/api/v1/progress/"):
            response = computed(client, url)
            assert "ETag" in response
            assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 200, url


def _public_cache_setting(env: dict) -> bool:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "OCOP_", "DJANGO_"))}
    code = "import django; django.setup(); from django.conf import settings; print(settings.PUBLIC_CACHE)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, check=True, capture_output=True, text=True,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "ocop_registry.settings", "DJANGO_DEBUG": "1", **env},
    )
    return result.stdout.strip() == "True"


def test_the_cache_is_on_when_it_is_shared_and_can_be_turned_off():
    assert _public_cache_setting({"REDIS_URL": REDIS_DB})
    assert not _public_cache_setting({})  # a per-process cache: each worker would serve its own stale copy
    assert not _public_cache_setting({"REDIS_URL": REDIS_DB, "OCOP_PUBLIC_CACHE": "0"})


# --- Two servers, one Redis: a write anywhere is seen everywhere --------------------------------------------


@pytest.fixture
def redis_db():
    yield from flushed_redis(REDIS_DB)


def _name_in_database(database, slug: str, name: str) -> None:
    """Change a product's name behind the registry's back (no signal, no bump)."""
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE products_product SET name = ? WHERE slug = ?", (name, slug))


def _rename_through_the_registry(production_site, database, slug: str, name: str) -> None:
    """Another process (a management command, the admin on a third machine) saves the product."""
    code = (f"from products.models import Product; p = Product.objects.get(slug={slug!r}); "
            f"p.name = {name!r}; p.save()")
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, check=True, capture_output=True,
        env=production_site.environment(database, REDIS_URL=REDIS_DB),
    )


def test_a_write_is_seen_by_the_next_request_on_another_server(production_site, redis_db):
    database = production_site.fresh_database_copy()
    site = {"Host": "localhost"}  # as a load balancer passes it on: one site name for every machine
    with production_site.serve(database, workers=1, REDIS_URL=REDIS_DB) as first, \
            production_site.serve(database, workers=1, REDIS_URL=REDIS_DB) as second:
        status, _, body = fetch(f"{first}/api/v1/products/", headers=site)
        slug = json.loads(body)["results"][0]["slug"]
        url = f"/san-pham/{slug}/"

        status, headers, body = fetch(first + url, headers=site)
        assert status == 200 and headers["Cache-Control"] == "public, max-age=60"
        assert redis_db.keys("ocop:*page:*")

        # The second server answers from what the first one stored: a change made behind the registry's back
        # (no bump) is not seen...
        _name_in_database(database, slug, "Tên sửa lén")
        status, second_headers, second_body = fetch(second + url, headers=site)
        assert (status, second_body) == (200, body)
        per_second = {"Date", "Last-Modified"}  # Last-Modified appears once the second of the last write is over
        assert {k: v for k, v in second_headers.items() if k not in per_second} == {
            k: v for k, v in headers.items() if k not in per_second
        }, "the same headers (security, CSP, ETag) as the fresh answer"
        assert fetch(second + url, headers={**site, "If-None-Match": headers["ETag"]})[0] == 304

        # ...a write through the registry, from a third process, is seen by the very next request on each.
        _rename_through_the_registry(production_site, database, slug, "Tên mới sau khi sửa")
        for server in (second, first):
            status, fresh_headers, fresh = fetch(server + url, headers={**site, "If-None-Match": headers["ETag"]})
            assert status == 200 and "Tên mới sau khi sửa" in fresh.decode(), server
            assert fresh_headers["ETag"] != headers["ETag"]


def test_a_server_whose_redis_is_down_answers_every_page(production_site):
    with production_site.serve(workers=1, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as base_url:
        started = time.monotonic()
        for url in ("/", "/san-pham/", "/api/v1/products/", "/api/v1/progress/", "/"):
            assert fetch(base_url + url)[0] == 200, url
        assert time.monotonic() - started < 10
