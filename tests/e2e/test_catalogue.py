"""Browser tests of the public catalogue (Playwright driving Debian's chromium)."""

import datetime

import pytest
from django.utils import timezone

from products.models import ProductGroup
from tests.factories import legacy_commune, make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


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

    page.check("input[name=stars][value='4']")  # on a wide screen the filters are a sidebar, open
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
    context = browser.new_context(locale="vi-VN", java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server.url + "/san-pham/?q=banh+gai")
        assert page.locator(".cards .card").count() == 1
        page.click("summary.filters-toggle")  # on a phone, the <details> opens without JavaScript
        page.select_option("#f-ordering", "name")
        page.click(".filter-actions button[type=submit]")
        page.wait_for_url("**ordering=name**")
        assert "Bánh gai Tứ Trụ" in page.locator(".cards").inner_text()
    finally:
        context.close()


# Phones and wide screens: the filter button, the chips, the first screen, touch targets (issue 11) --------------


@pytest.fixture
def many(catalogue):
    """More products than one page holds, so the list has pagination links."""
    from products.filters import PAGE_SIZE
    from products.tests.test_views import make_many_products

    make_many_products(PAGE_SIZE)
    return catalogue


def open_page(browser, live_server, path, viewport, *, javascript=True):
    context = browser.new_context(locale="vi-VN", viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + path)
    return context, page


def top_of_first_card(page):
    return page.evaluate("document.querySelector('.cards .card').getBoundingClientRect().top + window.scrollY")


def sideways_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def boxes(page, selector):
    """Width and height of every element matched by ``selector`` that is shown."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0)
            .map((r) => [Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10])""",
        selector,
    )


def test_on_a_phone_the_filters_fold_behind_a_button_and_the_first_product_is_on_the_first_screen(
    live_server, browser, many
):
    for path in ["/san-pham/", "/san-pham/?stars=3&stars=4&status=all"]:
        context, page = open_page(browser, live_server, path, PHONE)
        try:
            button = page.locator("summary.filters-toggle")
            assert button.is_visible() and "Bộ lọc" in button.inner_text()
            assert not page.locator("#f-ordering").is_visible()
            assert top_of_first_card(page) <= 700, path
            assert sideways_overflow(page) <= 0, path

            button.click()
            assert page.locator("#f-ordering").is_visible()
        finally:
            context.close()


def test_the_filter_button_shows_how_many_filters_are_on(live_server, browser, catalogue):
    context, page = open_page(browser, live_server, "/san-pham/?stars=4&status=all", PHONE)
    try:
        assert page.locator("summary.filters-toggle .filter-count").inner_text() == "2"
        assert page.locator(".chips .chip").count() == 2
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_on_a_phone_a_chip_removes_its_filter(live_server, browser, catalogue, javascript):
    context, page = open_page(browser, live_server, "/san-pham/?stars=3&stars=4", PHONE, javascript=javascript)
    try:
        assert page.locator(".cards .card").count() == 3
        page.locator(".chips .chip", has_text="3 sao").click()
        page.wait_for_url("**/san-pham/?stars=4")
        assert page.locator(".cards .card").count() == 1
        assert page.locator(".chips .chip").count() == 1
        assert page.get_by_role("link", name="Bỏ lọc: 4 sao", exact=True).is_visible()

        page.locator(".chips .chip", has_text="4 sao").click()
        page.wait_for_url("**/san-pham/")
        assert page.locator(".chips-bar").count() == 0
    finally:
        context.close()


def test_on_a_phone_checkboxes_chips_and_pagination_are_at_least_24_px(live_server, browser, many):
    from tests.e2e.test_communes_map import target_size_violations

    context, page = open_page(browser, live_server, "/san-pham/?stars=3&stars=4&status=all", PHONE)
    try:
        page.click("summary.filters-toggle")
        targets = {
            "checkboxes": "input[type=checkbox], input[type=radio]",
            "chips": ".chips a",
            "pagination": ".pagination a",
            "filter button": "summary.filters-toggle",
        }
        for name, selector in targets.items():
            found = boxes(page, selector)
            assert found, name
            assert all(w >= 24 and h >= 24 for w, h in found), (name, found)
        assert target_size_violations(page) == []
    finally:
        context.close()


def test_on_a_wide_screen_the_filters_are_an_open_sidebar_that_does_not_jump(live_server, browser, catalogue):
    tops = {}
    for javascript in (False, True):
        context, page = open_page(browser, live_server, "/san-pham/?stars=4", LAPTOP, javascript=javascript)
        try:
            assert page.locator("#f-ordering").is_visible()  # open without a click, with or without JavaScript
            assert page.locator("input[name=stars][value='3']").is_visible()
            sidebar = page.locator("form.catalogue").bounding_box()
            card = page.locator(".cards .card").first.bounding_box()
            assert sidebar["x"] + sidebar["width"] <= card["x"]  # beside the results, not above them
            assert card["y"] < LAPTOP["height"]
            assert sideways_overflow(page) <= 0
            tops[javascript] = top_of_first_card(page)
            if javascript:
                assert page.evaluate("document.querySelector('details.filters').open")
        finally:
            context.close()
    assert tops[True] == tops[False]  # the script opening the <details> moves nothing
