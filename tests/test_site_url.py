"""SITE_URL (env OCOP_SITE_URL) fixes the host of every absolute link the registry hands out: QR codes, the CSV,
the API, the sitemap, robots.txt, canonical and Open Graph links (issue 11, acceptance 7), whatever host the
request came in by; unset, the request's own host (development), and `check --deploy` warns."""

import datetime
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from ocop_registry import site_url
from ocop_registry.settings import _site_url
from products.templatetags.catalogue import qr_svg
from tests.factories import make_recognition

PUBLIC = "https://ocop.thanhhoa.gov.vn"
STAFF_HOST = "127.0.0.1:8000"  # the host a clerk happened to open the site at


@pytest.fixture
def public_site(settings):
    settings.SITE_URL = PUBLIC
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    return settings


@pytest.fixture
def product(db):
    return make_recognition(stars=4, decision_date=timezone.localdate() - datetime.timedelta(days=30)).product


def get(client, url, **params):
    response = client.get(url, params, HTTP_HOST=STAFF_HOST)
    assert response.status_code == 200, url
    return response


# The helper --------------------------------------------------------------------------------------------------


def test_absolute_url_uses_the_site_url_whatever_the_request_host(public_site):
    request = RequestFactory().get("/", HTTP_HOST=STAFF_HOST)

    assert site_url.absolute_url("/san-pham/x/", request) == f"{PUBLIC}/san-pham/x/"
    assert site_url.absolute_url("/san-pham/x/") == f"{PUBLIC}/san-pham/x/"
    assert site_url.site_parts(request) == ("https", "ocop.thanhhoa.gov.vn")


def test_without_site_url_links_are_on_the_request_host(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    request = RequestFactory().get("/", HTTP_HOST=STAFF_HOST)

    assert site_url.absolute_url("/san-pham/x/", request) == f"http://{STAFF_HOST}/san-pham/x/"
    assert site_url.absolute_url("/san-pham/x/") == "/san-pham/x/"  # no request, no host to give


def test_an_address_already_absolute_is_kept(public_site):
    image = "https://media.ocop.thanhhoa.gov.vn/products/2025/a.jpg"  # an object store's own domain

    assert site_url.absolute_url(image) == image


@pytest.mark.parametrize("value, expected", [
    ("https://ocop.thanhhoa.gov.vn", PUBLIC),
    ("https://OCOP.thanhhoa.gov.vn/", PUBLIC),
    ("  https://ocop.thanhhoa.gov.vn/  ", PUBLIC),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("", ""),
])
def test_the_setting_is_read_as_an_origin(value, expected):
    assert _site_url(value) == expected


@pytest.mark.parametrize(
    "value", ["ocop.thanhhoa.gov.vn", "ftp://ocop.vn", "https://ocop.vn/ocop", "https://ocop.vn?x=1"]
)
def test_anything_but_an_origin_refuses_to_start(value):
    with pytest.raises(ImproperlyConfigured, match="OCOP_SITE_URL"):
        _site_url(value)


def test_check_deploy_warns_without_a_site_url_or_over_plain_http(settings):
    settings.SITE_URL = ""
    assert [w.id for w in site_url.check_site_url()] == [site_url.W001]
    settings.SITE_URL = "http://ocop.thanhhoa.gov.vn"
    assert [w.id for w in site_url.check_site_url()] == [site_url.W001]
    settings.SITE_URL = PUBLIC
    assert site_url.check_site_url() == []


def test_the_warning_is_part_of_check_deploy(settings):
    settings.SITE_URL = ""
    with pytest.raises(Exception, match="W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")


# Every place a link is handed out -----------------------------------------------------------------------------


def test_canonical_and_open_graph_links_use_the_site_url(client, public_site, product):
    html = get(client, product.get_absolute_url()).content.decode()

    canonical = f"{PUBLIC}{product.get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert STAFF_HOST not in html


def test_the_qr_code_and_its_caption_point_at_the_public_site(client, public_site, product):
    html = get(client, reverse("products:product_print", args=[product.slug])).content.decode()

    public = f"{PUBLIC}{product.get_absolute_url()}"
    assert f'<span class="qr-url">{public}</span>' in html
    assert str(qr_svg(public, product.name)) in html  # the code encodes the public address
    assert STAFF_HOST not in html


def test_a_qr_code_of_a_path_is_made_on_the_public_site(public_site):
    assert qr_svg("/san-pham/x/") == qr_svg(f"{PUBLIC}/san-pham/x/")


def test_the_csv_links_use_the_site_url(client, public_site, product):
    text = get(client, reverse("products:product_csv")).content.decode("utf-8-sig")

    assert f"{PUBLIC}{product.get_absolute_url()}" in text
    assert STAFF_HOST not in text


def test_the_api_links_use_the_site_url(client, public_site, product):
    listed = get(client, "/api/v1/products/").json()["results"][0]
    detail = get(client, f"/api/v1/products/{product.slug}/").json()
    index = get(client, "/api/v1/").json()

    assert listed["url"] == detail["url"] == f"{PUBLIC}{product.get_absolute_url()}"
    assert index["products"] == f"{PUBLIC}/api/v1/products/"
    assert all(url.startswith(PUBLIC) for url in index.values())


def test_the_sitemap_and_robots_txt_use_the_site_url(client, public_site, product):
    sitemap = get(client, reverse("sitemap")).content.decode()
    robots = get(client, "/robots.txt").content.decode()

    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert f"{PUBLIC}{product.get_absolute_url()}" in locations
    assert all(loc.startswith(f"{PUBLIC}/") for loc in locations)
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in robots


def test_without_site_url_the_sitemap_stays_on_the_request_host(client, settings, product):
    settings.SITE_URL = ""
    sitemap = client.get(reverse("sitemap")).content.decode()

    assert f"<loc>http://testserver{product.get_absolute_url()}</loc>" in sitemap
