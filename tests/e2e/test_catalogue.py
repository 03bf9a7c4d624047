"""Browser tests of the public catalogue (Playwright driving Debian's chromium)."""

import datetime

import pytest
from django.utils import timezone

from products.models import ProductGroup
from tests.factories import legacy_commune, make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue(registry_data):
    today = timezone.localdate()
    fish_sauce = make_product(
        name="Nước mắm Lê Gia",
        producer=make_producer(name="Công ty TNHH Lê Gia", kind="doanh_nghiep"),
        group=ProductGroup.objects.get(code="I.4"),
        legacy_commune=legacy_commune("Hậu Lộc", "Ngư Lộc"),
    )
    make_recognition(fish_sauce, stars=4, decision_date=today - datetime.timedelta(days=120))
    other = make_product(name="Nước mắm Ba Làng", group=ProductGroup.objects.get(code="I.4"))
    make_recognition(other, stars=3, decision_date=today - datetime.timedelta(days=60))
    cake = make_product(name="Bánh gai Tứ Trụ")
    make_recognition(cake, stars=3, decision_date=today - datetime.timedelta(days=30))
    return {"fish_sauce": fish_sauce}


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_search_filter_open_a_product_and_see_its_qr_and_certificate(live_server, page, catalogue):
    page.goto(live_server.url + "/")
    page.fill("#home-q", "nuoc mam")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/san-pham/?q=nuoc+mam")
    assert page.locator(".cards .card").count() == 2

    page.click("details.filters summary")  # the filters fold away after a search (mobile first)
    page.check("input[name=stars][value='4']")
    page.click(".filter-actions button[type=submit]")
    page.wait_for_url("**stars=4**")
    cards = page.locator(".cards .card")
    assert cards.count() == 1
    assert "Nước mắm Lê Gia" in cards.first.inner_text()

    cards.first.locator("a.card-link").click()
    page.wait_for_url("**/san-pham/nuoc-mam-le-gia/")
    assert page.locator("h1").inner_text() == "Nước mắm Lê Gia"
    card = page.locator(".certificate-card")
    assert card.is_visible()
    assert "QĐ-UBND" in card.inner_text()
    assert card.locator(".badge-valid").is_visible()
    qr = card.locator("svg.qr")
    assert qr.is_visible()
    assert qr.bounding_box()["width"] > 80
    assert "Ngư Lộc" in page.locator(".facts").inner_text()


def test_no_serious_accessibility_violations_on_home_list_and_product(live_server, page, catalogue):
    for path in ["/", "/san-pham/?q=nuoc+mam", catalogue["fish_sauce"].get_absolute_url()]:
        page.goto(live_server.url + path)
        assert serious_violations(page) == [], path


def test_pages_fit_a_360_pixel_wide_phone(live_server, browser, catalogue):
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        for path in ["/", "/san-pham/", catalogue["fish_sauce"].get_absolute_url(), "/xa-phuong/"]:
            page.goto(live_server.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (path, overflow)
    finally:
        context.close()


def test_the_catalogue_works_without_javascript(live_server, browser, catalogue):
    context = browser.new_context(locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server.url + "/san-pham/?q=banh+gai")
        assert page.locator(".cards .card").count() == 1
        page.click("details.filters summary")  # <details> opens without JavaScript
        page.select_option("#f-ordering", "name")
        page.click(".filter-actions button[type=submit]")
        page.wait_for_url("**ordering=name**")
        assert "Bánh gai Tứ Trụ" in page.locator(".cards").inner_text()
    finally:
        context.close()
