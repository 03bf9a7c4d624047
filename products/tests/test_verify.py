"""/xac-minh/: a product code, as printed on a label, answered in one line; rate-limited per visitor."""

import pytest
from django.urls import reverse

from products import selectors
from tests.server import flushed_redis, redis_cache_settings

VERIFY = reverse("products:verify")
REDIS_DB_URL = "redis://127.0.0.1:6379/7"  # this module's own database on the shared Redis


def fresh(product):
    return type(product).objects.get(pk=product.pk)


def answer(client, typed, **headers):
    response = client.get(VERIFY, {"ma": typed}, **headers)
    html = response.content.decode()
    start = html.find('<p class="verify-answer')
    assert start > 0, html
    return response, " ".join(html[start:html.index("</p>", start)].split())


@pytest.mark.parametrize(
    ("role", "status", "words"),
    [
        ("valid3", "valid", "sản phẩm OCOP 3 sao, giấy chứng nhận còn hiệu lực đến"),
        ("expiring", "expiring", "còn hiệu lực nhưng sắp hết hạn"),
        ("expired", "expired", "nay đã hết hiệu lực"),
        ("revoked", "revoked", "đã bị thu hồi từ ngày"),
        ("rerated", "valid", "sản phẩm OCOP 3 sao"),  # the latest decision's stars
    ],
)
def test_each_certificate_status_in_one_line(client, catalogue, role, status, words):
    product = fresh(catalogue[role])
    response, line = answer(client, product.code)

    assert response.status_code == 200
    assert f'verify-answer verify-{status}"' in line
    assert words in line
    assert product.name in line and f'href="{product.get_absolute_url()}"' in line
    assert f"quyết định số {product.current_decision_no} ngày {product.current_decision_date:%d/%m/%Y}" in line
    valid_until = selectors.valid_until(product.current_decision_date)
    if status != "revoked":
        assert f"{valid_until:%d/%m/%Y}" in line


@pytest.mark.parametrize("spelling", ["{code}", "{lower}", "  {spaced}  ", "{nodash}", "{number}"])
def test_case_spacing_and_dashes_are_forgiven(client, catalogue, spelling):
    code = catalogue["valid4"].code  # OCOP-38-000123
    typed = spelling.format(
        code=code, lower=code.lower(), spaced=code.replace("-", " "), nodash=code.replace("-", ""),
        number=str(int(code.rsplit("-", 1)[1])),
    )
    _response, line = answer(client, typed)

    assert "verify-valid" in line and catalogue["valid4"].name in line


@pytest.mark.parametrize("role", ["unpublished", "draft", "proposal_only", "future"])
def test_a_product_outside_the_public_catalogue_is_unknown(client, catalogue, role):
    code = catalogue[role].code
    _response, line = answer(client, code)

    assert "verify-unknown" in line
    assert f"Không có sản phẩm OCOP nào mang mã {code}" in line
    assert catalogue[role].name not in line


@pytest.mark.parametrize("typed", ["xyz", "OCOP-38-1234567", "<script>", "OCOP-39-000001"])
def test_what_cannot_be_a_code_says_so(client, db, typed):
    response, line = answer(client, typed)

    assert response.status_code == 200
    assert "không phải là một mã sản phẩm OCOP" in line
    assert "<script>" not in line


def test_the_form_alone_counts_nothing_and_is_never_cached(client, db):
    response = client.get(VERIFY)

    assert response.status_code == 200
    assert 'name="ma"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_answer_in_english(client, catalogue):
    _response, line = answer(client, fresh(catalogue["valid3"]).code, HTTP_ACCEPT_LANGUAGE="en")

    assert "3-star OCOP product, certificate valid until" in line


def test_one_query_a_lookup(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the product; the demo banner's check (memoised per data version)
        answer(client, catalogue["valid3"].code)


@pytest.fixture
def shared_counter(settings):
    """The limit counted in the real Redis (database 7), as settings.py arranges when REDIS_URL is set."""
    settings.CACHES = redis_cache_settings(REDIS_DB_URL, "ocop-verify-test")
    settings.VERIFY_RATE = "3/m"
    yield from flushed_redis(REDIS_DB_URL)


def test_lookups_are_limited_per_visitor_in_the_shared_cache(client, catalogue, shared_counter):
    code = catalogue["valid3"].code
    for _ in range(3):
        response, _line = answer(client, code, REMOTE_ADDR="192.0.2.7")
        assert response.status_code == 200

    response, line = answer(client, code, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 429
    assert "tra cứu quá nhiều lần" in line and catalogue["valid3"].name not in line
    assert shared_counter.keys("ocop-verify-test:*rl*")  # counted where every app server counts

    response, _line = answer(client, code, REMOTE_ADDR="192.0.2.8")  # another visitor
    assert response.status_code == 200
    assert client.get(VERIFY, REMOTE_ADDR="192.0.2.7").status_code == 200  # the form itself stays open
