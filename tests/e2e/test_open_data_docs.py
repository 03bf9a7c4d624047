"""In a real browser, against the registry as production runs it (gunicorn, DEBUG off, collected static files,
the demo story loaded): /api/v1/docs/ renders the API's documentation offline under the site's
Content-Security-Policy, and the demo data is marked on screen and on paper (issue 11, acceptances 1 and 7)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_csp import Violations

pytestmark = pytest.mark.e2e


def test_the_api_docs_render_every_endpoint_with_nothing_refused(production_server, page):
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((production_server, "data:")) else None)
    violations = Violations(page)

    violations.visit(f"{production_server}/api/v1/docs/")

    expect(page.locator("#swagger-ui .opblock-summary-path").first).to_be_visible()
    paths = page.locator("#swagger-ui .opblock-summary-path").all_inner_texts()
    assert {"/api/v1/products/", "/api/v1/products/{slug}/", "/api/v1/progress/"} <= {p.strip() for p in paths}
    assert violations.seen() == {"events": [], "console": [], "errors": []}
    assert outside == []  # nothing fetched from elsewhere: it works offline


def test_a_browser_shows_the_schema_instead_of_downloading_it(production_server, page):
    for url in ("/api/v1/schema/", "/api/v1/schema/?format=json"):
        response = page.goto(f"{production_server}{url}")
        assert response.status == 200
        assert "/api/v1/products/" in page.locator("body").inner_text(), url


def test_demo_data_is_marked_on_the_page_and_on_the_printed_certificate(production_server, page):
    page.goto(f"{production_server}/")
    expect(page.locator(".demo-banner")).to_be_visible()
    expect(page.locator(".card .badge-demo").first).to_be_visible()

    page.locator(".card-link").first.click()
    page.get_by_role("link", name="Bản in giấy chứng nhận").click()
    page.emulate_media(media="print")
    expect(page.locator(".demo-watermark")).to_be_visible()
    drawn = page.locator(".demo-watermark").evaluate("element => getComputedStyle(element, '::before').content")
    assert drawn == '"MINH HỌA — KHÔNG CÓ GIÁ TRỊ"'
