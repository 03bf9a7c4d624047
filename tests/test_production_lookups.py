"""The public lookups as production serves them (gunicorn, DEBUG off, Redis shared by the workers): the certificate
check counted per visitor across workers and never cached; the Atom feed cached and revalidated like a page."""

import sqlite3

import pytest

from tests.server import fetch, flushed_redis

REDIS_DB = "redis://127.0.0.1:6379/8"  # this module's own database on the shared Redis


@pytest.fixture
def redis_db():
    yield from flushed_redis(REDIS_DB)


@pytest.fixture
def served(production_site, redis_db):
    database = production_site.fresh_database_copy()
    with production_site.serve(database, workers=2, REDIS_URL=REDIS_DB, OCOP_VERIFY_RATE="5/m") as base_url:
        yield base_url, database


def test_certificate_lookups_are_limited_across_workers_and_never_cached(served):
    base_url, database = served
    with sqlite3.connect(database) as db:
        (code,) = db.execute(
            "SELECT code FROM products_product WHERE is_published AND current_stars IS NOT NULL LIMIT 1"
        ).fetchone()
    url = f"{base_url}/xac-minh/?ma={code.lower().replace('-', '+')}"

    answers = [fetch(url) for _ in range(6)]

    assert [status for status, _headers, _body in answers] == [200] * 5 + [429]
    _status, headers, body = answers[0]
    assert "no-store" in headers["Cache-Control"] and "ETag" not in headers
    assert 'class="verify-answer verify-' in body.decode() and 'href="/san-pham/' in body.decode()
    assert "tra cứu quá nhiều lần" in answers[-1][2].decode()
    assert fetch(f"{base_url}/xac-minh/")[0] == 200  # the form itself is not counted


def test_the_feed_is_cached_and_revalidated_like_every_public_page(served):
    base_url, _database = served
    status, headers, body = fetch(f"{base_url}/san-pham/moi.atom?stars=3")

    assert status == 200
    assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>') and b"<entry>" in body
    assert headers["Cache-Control"].startswith("public")
    status, _headers, _body = fetch(f"{base_url}/san-pham/moi.atom?stars=3", headers={"If-None-Match": headers["ETag"]})
    assert status == 304
