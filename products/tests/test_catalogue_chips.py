"""The catalogue's active filters as removable chips, and the communes page's map and counts (HTTP level;
the browser tests are tests/e2e/test_catalogue.py and tests/e2e/test_communes_map.py)."""

import math
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from products import selectors
from products.maps import HIT_RADIUS
from products.models import Commune, LegacyDistrict
from products.tests.test_selectors import days_ago
from tests.factories import make_product, make_recognition

CHIP = re.compile(r'<a class="chip[^"]*" href="([^"]*)"><span class="visually-hidden">[^<]*</span> ([^<]*?) <span')


def list_url() -> str:
    return reverse("products:product_list")


def chips(client, query: str) -> dict:
    """``{chip text: {parameter: [values]}}`` of the chips on the list at ``query``."""
    response = client.get(f"{list_url()}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    found = {}
    for href, text in CHIP.findall(html):
        url = urlsplit(unescape(href))
        assert url.path == list_url()
        found[unescape(text)] = parse_qs(url.query)
    return found


def test_each_active_filter_is_a_chip_linking_to_the_list_without_that_value(client, catalogue):
    found = chips(client, "stars=3&stars=4&status=all&year=2024&group=&commune=&page=2")

    assert set(found) == {"3 sao", "4 sao", "Mọi tình trạng", "Công nhận năm 2024"}
    assert found["3 sao"] == {"stars": ["4"], "status": ["all"], "year": ["2024"]}  # no page, no empty values
    assert found["4 sao"] == {"stars": ["3"], "status": ["all"], "year": ["2024"]}
    assert found["Mọi tình trạng"] == {"stars": ["3", "4"], "year": ["2024"]}
    assert found["Công nhận năm 2024"] == {"stars": ["3", "4"], "status": ["all"]}


def test_the_filter_button_counts_the_active_filters(client, catalogue):
    html = client.get(f"{list_url()}?stars=4&group=I.4&ordering=name&q=mam").content.decode()

    toggle = r'<summary class="filters-toggle">\s*<span>Bộ lọc</span>\s*<span class="filter-count"[^>]*>2</span>'
    assert re.search(toggle, html)
    assert "(2 bộ lọc đang dùng)" in html
    assert 'class="chip"' in html


def test_a_chip_names_a_group_commune_and_district_by_their_labels(client, catalogue):
    product = catalogue["valid3"]
    district = product.legacy_commune.district
    found = chips(client, f"group=I.4&commune={product.commune.code}&district={district.code}&producer_kind="
                          f"{product.producer.kind}")

    assert product.commune.full_name in found
    assert str(district) in found
    assert any(text.startswith("I.4.") for text in found)
    assert product.producer.get_kind_display() in found


def test_following_a_chip_removes_only_its_filter(client, catalogue):
    found = chips(client, "stars=3&stars=4")
    response = client.get(list_url(), found["4 sao"])

    assert response.context["filterset"].form.cleaned_data["stars"] == ["3"]
    assert {p.cert_stars for p in response.context["page_obj"]} == {3}


def test_the_default_status_and_the_search_text_are_not_chips(client, catalogue):
    html = client.get(f"{list_url()}?status=valid&q=nuoc+mam&ordering=name").content.decode()

    assert 'class="chips-bar"' not in html
    assert 'class="filter-count"' not in html


def test_a_malformed_value_gets_a_chip_that_removes_it(client, catalogue):
    html = client.get(f"{list_url()}?commune=abc&stars=4").content.decode()

    chip = re.search(r'<a class="chip chip-ignored" href="([^"]*)">.*?“abc” \(bị bỏ qua\)', html)
    assert chip and unescape(chip.group(1)) == f"{list_url()}?stars=4"


def test_clearing_the_filters_keeps_the_search_and_the_ordering(client, catalogue):
    html = client.get(f"{list_url()}?q=nuoc+mam&stars=4&year=2024&ordering=name").content.decode()

    assert f'<a class="chip-clear" href="{list_url()}?q=nuoc+mam&amp;ordering=name">' in html
    assert f'<a class="clear-filters" href="{list_url()}?q=nuoc+mam&amp;ordering=name">' in html


def test_the_filters_are_folded_by_default_and_the_panel_script_is_a_static_file(client, catalogue):
    html = client.get(f"{list_url()}?stars=4").content.decode()

    assert '<details class="filters">' in html  # never [open] from the server: phones get the button
    assert re.search(r'<script src="/static/js/catalogue[.0-9a-f]*\.js" defer></script>', html)


def test_chips_add_no_query_to_the_list(client, catalogue, django_assert_max_num_queries):
    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    plain = queries(list_url())
    with django_assert_max_num_queries(plain):
        html = client.get(f"{list_url()}?stars=3&stars=4&group=I.4&status=all&year=2024").content.decode()
    assert html.count('class="chip"') == 5


# The communes page: what each count counts, and the map -------------------------------------------------------


def communes_page(client) -> str:
    response = client.get(reverse("products:commune_list"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_communes_page_says_what_its_count_counts_and_gives_the_home_pages_count(client, db):
    first, second, third = Commune.objects.order_by("code")[:3]
    for commune, decided in ((first, days_ago(30)), (second, days_ago(60)), (third, days_ago(4 * 365))):
        make_recognition(make_product(commune=commune), stars=3, decision_date=decided)  # the third has expired

    html = communes_page(client)
    listed, valid = 3, 2
    assert selectors.headline_counts().communes == valid
    assert f"{listed} xã, phường có sản phẩm trong danh mục, kể cả sản phẩm đã hết hiệu lực hoặc bị thu hồi" in html
    assert f"Trong đó {valid} xã, phường có sản phẩm còn hiệu lực: đó là con số trên trang chủ" in html


def map_links(html):
    """``[(href, aria-label, x, y)]`` of the map's links."""
    return [
        (href, unescape(label), float(x), float(y))
        for href, label, x, y in re.findall(
            r'<a href="([^"]+)" class="map-link" aria-label="([^"]+)">\s*'
            r'<circle class="map-hit" cx="([0-9.]+)" cy="([0-9.]+)" r="' + str(HIT_RADIUS) + '"/>',
            html,
        )
    ]


def test_the_map_draws_an_outline_labels_and_a_named_link_per_commune_with_valid_products(client, catalogue):
    html = communes_page(client)
    links = map_links(html)
    valid = {catalogue[k].commune for k in ("valid3", "valid4", "expiring", "rerated", "proposed")}

    assert re.search(r'<path class="map-outline" d="M[0-9., L]+ Z"/>', html)
    assert len(re.findall(r'<text class="map-label"', html)) >= 3
    assert {href for href, *_ in links} == {c.get_absolute_url() for c in valid}
    for commune in valid:
        assert any(label.startswith(f"{commune.full_name}: ") and "sản phẩm còn hiệu lực" in label
                   for _, label, *_ in links)


def test_the_maps_links_are_spread_at_least_a_touch_target_apart(client, db):
    from products.tests.test_views import make_many_products

    make_many_products(40)  # forty communes in a row of codes: many close neighbours
    links = map_links(communes_page(client))

    assert len(links) == 40
    closest = min(math.dist(a[2:], b[2:]) for i, a in enumerate(links) for b in links[i + 1:])
    assert closest >= 2 * HIT_RADIUS - 0.2  # 24 CSS px and more on a 360 px phone


@pytest.mark.django_db
def test_the_map_labels_the_legacy_districts_when_the_view_gives_them(rf):
    communes = selectors.communes_with_counts()
    html = render_to_string(
        "products/commune_list.html",
        {"communes": communes, "listed": [], "map_places": LegacyDistrict.objects.all(),
         "request": rf.get("/xa-phuong/")},
    )

    labels = re.findall(r'<text class="map-label"[^>]*>([^<]+)</text>', html)
    assert "Thanh Hóa" in labels and "Mường Lát" in labels
    assert "tên các huyện, thị xã, thành phố cũ" in html
