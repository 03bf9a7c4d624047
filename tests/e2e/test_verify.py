"""Browser test of /xac-minh/: a consumer on a phone types the code from a label and reads one line."""

import datetime

import pytest
from django.utils import timezone

from tests.e2e.test_catalogue import serious_violations
from tests.factories import make_product, make_recognition

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def labelled(registry_data):
    product = make_product(name="Nem chua Thanh Hóa")
    make_recognition(product, stars=4, decision_date=timezone.localdate() - datetime.timedelta(days=200))
    return product


def test_a_code_typed_on_a_phone_is_answered_in_one_line_linking_to_the_product(live_server, browser, labelled):
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/")
        page.click("footer a[href='/xac-minh/']")
        page.fill("#f-ma", f"  {labelled.code.lower().replace('-', ' ')} ")
        page.click("form.verify button[type=submit]")
        answer = page.locator(".verify-answer")
        assert "giấy chứng nhận còn hiệu lực đến" in answer.inner_text()
        assert answer.locator(".badge-valid").is_visible()
        assert serious_violations(page) == []
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0

        answer.locator("a").click()
        page.wait_for_url(f"**{labelled.get_absolute_url()}")
        assert page.locator("h1").inner_text() == "Nem chua Thanh Hóa"

        page.goto(live_server.url + "/xac-minh/?ma=OCOP-38-999999")
        assert "Không có sản phẩm OCOP nào mang mã OCOP-38-999999" in page.locator(".verify-answer").inner_text()
    finally:
        context.close()
