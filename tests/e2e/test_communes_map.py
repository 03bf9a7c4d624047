"""Browser tests of the communes map (/xa-phuong/): the province's outline and labels, and dots that a finger
can tap, on a phone and a laptop (Playwright driving Debian's chromium)."""

import math

import pytest
from django.urls import reverse

from tests.factories import make_product, make_recognition

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"phone-360": (360, 740), "phone-390": (390, 844), "laptop": (1280, 800)}


def target_size_violations(page):
    """axe's "target-size" rule (WCAG 2.5.8, Lighthouse's touch-target audit) on ``page``."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["target-size"]}})
    return [[n["target"] for n in v["nodes"]] for v in results.response["violations"]]


@pytest.fixture
def communes_with_products(registry_data):
    """Products with valid certificates in forty neighbouring communes (a row of codes: many close together)."""
    import datetime

    from django.utils import timezone

    from products.models import Commune

    communes = list(Commune.objects.order_by("code")[:40])
    for index, commune in enumerate(communes):
        product = make_product(name=f"Sản phẩm {index:02d}", commune=commune)
        make_recognition(product, stars=3, decision_date=timezone.localdate() - datetime.timedelta(days=30))
    return communes


def map_links(page):
    """Each map link's accessible name, address and box (CSS px)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('svg.commune-map a')].map((a) => {
            const r = a.getBoundingClientRect();
            return {name: a.getAttribute('aria-label'), href: a.getAttribute('href'),
                    x: r.left + r.width / 2, y: r.top + r.height / 2, width: r.width, height: r.height};
        })"""
    )


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_the_map_has_an_outline_labels_and_dots_a_finger_can_tap(live_server, browser, communes_with_products,
                                                                 viewport):
    width, height = viewport
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server.url + reverse("products:commune_list"))
        svg = page.locator("svg.commune-map")
        outline = svg.locator("path.map-outline")
        assert outline.count() == 1 and outline.bounding_box()["width"] > svg.bounding_box()["width"] / 2
        labels = svg.locator("text.map-label").all_text_contents()
        assert len(labels) >= 3 and all(labels)

        links = map_links(page)
        assert len(links) == len(communes_with_products)
        assert {link["href"] for link in links} == {c.get_absolute_url() for c in communes_with_products}
        for link in links:
            assert link["width"] >= 24 and link["height"] >= 24, link
            assert link["name"] and "sản phẩm còn hiệu lực" in link["name"]
        closest = min(math.dist((a["x"], a["y"]), (b["x"], b["y"])) for i, a in enumerate(links) for b in links[i + 1:])
        assert closest >= 23.9, closest  # no dot's 24 px target overlaps another's

        page.evaluate("window.scrollTo(0, 0)")
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        assert target_size_violations(page) == []
    finally:
        context.close()


def test_tapping_a_dot_opens_its_communes_page(live_server, browser, communes_with_products):
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server.url + reverse("products:commune_list"))
        link = map_links(page)[0]
        page.locator(f'svg.commune-map a[href="{link["href"]}"]').scroll_into_view_if_needed()
        link = next(item for item in map_links(page) if item["href"] == link["href"])
        page.touchscreen.tap(link["x"], link["y"])
        page.wait_for_url("**" + link["href"])
        assert link["name"].split(":")[0] in page.locator("h1").inner_text()
    finally:
        context.close()
