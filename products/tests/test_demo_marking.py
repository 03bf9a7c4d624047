"""Demo data is unmistakable wherever it appears (issue 11, acceptance 1): a site-wide banner while any demo
record is public (checked once per data version, not once per request), "minh họa" on cards, the producer page,
the printable certificate's watermark and the home page's wording; ``is_demo`` in the API and the CSV; demo
producers' phone numbers shown as fictitious ones."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ocop_registry import data_version
from products.models import Product
from tests.factories import make_producer, make_product, make_recognition

BANNER = 'class="demo-banner"'
WATERMARK = "MINH HỌA — KHÔNG CÓ GIÁ TRỊ"
OFFICIAL = "Đây là danh mục chính thức của tỉnh Thanh Hóa."


def recognised(**product_fields) -> Product:
    product = make_product(**product_fields)
    make_recognition(product, stars=4, decision_date=timezone.localdate() - datetime.timedelta(days=30))
    return product


@pytest.fixture
def real(db):
    return recognised(name="Nước mắm thật", producer=make_producer(name="HTX Thật", phone="0912 345 678"))


@pytest.fixture
def demo(db):
    producer = make_producer(name="HTX Minh họa", phone="0912 000 047", is_demo=True)
    return recognised(name="Nem chua minh họa", producer=producer, is_demo=True)


def html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def new_data_version():
    """What a committed write does (``data_version.bump`` runs once the transaction commits)."""
    data_version._bump()


# The site-wide banner ------------------------------------------------------------------------------------------


def public_urls(product):
    return [
        reverse("products:home"),
        reverse("products:product_list"),
        product.get_absolute_url(),
        reverse("products:product_print", args=[product.slug]),
        product.producer.get_absolute_url(),
        product.commune.get_absolute_url(),
        reverse("products:commune_list"),
        reverse("products:help"),
        reverse("api_docs"),
    ]


def test_every_page_carries_the_banner_while_demo_data_is_public(client, real, demo):
    for url in public_urls(real):  # a real product's pages too: the site as a whole shows demo data
        assert BANNER in html(client, url), url


def test_the_dashboard_carries_the_banner_too(office_client, demo):
    assert BANNER in html(office_client, reverse("evaluations:dashboard"))


def test_no_banner_without_demo_data(client, real):
    for url in public_urls(real):
        assert BANNER not in html(client, url), url


def test_no_banner_when_the_demo_products_are_unpublished(client, real, demo):
    Product.objects.filter(pk=demo.pk).update(is_published=False)

    assert BANNER not in html(client, "/")


def test_a_real_product_of_a_demo_producer_counts_as_demo(client, real):
    recognised(name="Bánh gai", producer=make_producer(name="Hộ minh họa", is_demo=True))

    assert BANNER in html(client, "/")


def test_the_banner_costs_one_query_per_data_version_not_per_request(client, real, demo):
    url = reverse("products:help")  # a page that reads nothing else from the database

    with CaptureQueriesContext(connection) as first:
        assert BANNER in html(client, url)
    with CaptureQueriesContext(connection) as second:
        assert BANNER in html(client, url)
        assert BANNER in html(client, reverse("products:commune_list"))
    new_data_version()
    with CaptureQueriesContext(connection) as after_a_write:
        html(client, url)

    demo_checks = [query for query in first.captured_queries if '"is_demo"' in query["sql"]]
    assert len(first) == len(demo_checks) == 1
    assert not [query for query in second.captured_queries if '"is_demo"' in query["sql"]]
    assert len(after_a_write) == 1


def test_the_banner_follows_the_data_after_a_write(client, real, demo):
    assert BANNER in html(client, "/")
    Product.objects.filter(pk=demo.pk).update(is_published=False)
    assert BANNER in html(client, "/")  # the same data version: the answer of this version stands
    new_data_version()
    assert BANNER not in html(client, "/")


def test_pages_of_the_admin_do_not_look(office_client, demo):
    with CaptureQueriesContext(connection) as queries:
        office_client.get(reverse("admin:index"))
    assert not [query for query in queries.captured_queries if '"is_demo"' in query["sql"]]


# The home page stops calling itself the official catalogue --------------------------------------------------


def test_the_home_page_does_not_claim_to_be_official_while_demo_data_is_public(client, demo):
    page = html(client, "/")

    assert OFFICIAL not in page
    assert "chưa phải danh mục chính thức" in page
    assert "Danh mục chính thức" not in page  # neither in the description nor in the Open Graph tags


def test_the_home_page_says_it_is_official_without_demo_data(client, real):
    assert OFFICIAL in html(client, "/")


# "Minh họa" on cards, the producer page and the certificate ----------------------------------------------------


def test_cards_of_demo_products_say_minh_hoa(client, real, demo):
    page = html(client, reverse("products:product_list"))
    cards = {card.split('class="card-title">')[1].split("<")[0]: card for card in page.split('<li class="card">')[1:]}

    assert "badge-demo" in cards["Nem chua minh họa"] and "Minh họa" in cards["Nem chua minh họa"]
    assert "badge-demo" not in cards["Nước mắm thật"]


def test_the_producer_page_of_a_demo_producer_says_so(client, real, demo):
    page = html(client, demo.producer.get_absolute_url())

    assert "Chủ thể minh họa (dữ liệu demo)" in page
    assert "Chủ thể minh họa" not in html(client, real.producer.get_absolute_url())


def test_the_printable_certificate_of_a_demo_product_is_watermarked(client, real, demo):
    page = html(client, reverse("products:product_print", args=[demo.slug]))

    # Drawn by CSS from data-text (decoration that contrast checkers leave alone); the notice is the text.
    assert f'<p class="demo-watermark" aria-hidden="true" data-text="{WATERMARK}"></p>' in page
    assert "Giấy chứng nhận minh họa (dữ liệu demo): không có giá trị" in page  # for screen readers too
    assert WATERMARK not in html(client, reverse("products:product_print", args=[real.slug]))


# Phone numbers -------------------------------------------------------------------------------------------------


def test_a_demo_producer_shows_a_fictitious_number_that_cannot_be_dialled(client, demo):
    page = html(client, demo.producer.get_absolute_url())

    assert "0912 000 047" not in page
    assert f"0000 000 {demo.producer.pk % 1000:03d}" in page
    assert "số minh họa" in page
    assert 'href="tel:' not in page


def test_a_real_producer_shows_its_number_as_a_link(client, real):
    page = html(client, real.producer.get_absolute_url())

    assert '<a href="tel:0912 345 678">0912 345 678</a>' in page
    assert "số minh họa" not in page


# The API and the CSV -------------------------------------------------------------------------------------------


def test_the_api_says_which_products_and_producers_are_demo(client, real, demo):
    listed = {item["name"]: item for item in client.get("/api/v1/products/").json()["results"]}
    detail = client.get(f"/api/v1/products/{demo.slug}/").json()

    assert listed["Nem chua minh họa"]["is_demo"] is True
    assert listed["Nem chua minh họa"]["producer"]["is_demo"] is True
    assert listed["Nước mắm thật"]["is_demo"] is False
    assert listed["Nước mắm thật"]["producer"]["is_demo"] is False
    assert detail["is_demo"] is True


def test_the_csv_says_which_products_are_demo(client, real, demo):
    """Needs the is_demo column in products.views.product_csv (see the report of issue 11's helper C)."""
    text = client.get(reverse("products:product_csv")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    by_name = {row["Tên sản phẩm"]: row for row in rows}

    assert by_name["Nem chua minh họa"]["Dữ liệu minh họa"] == "Có"
    assert by_name["Nước mắm thật"]["Dữ liệu minh họa"] == "Không"
