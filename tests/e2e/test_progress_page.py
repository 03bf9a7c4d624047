"""A member of the public follows "Tiến độ" to the progress page, changes the date and reads it on a phone."""

import datetime

import pytest

from tests.factories import make_recognition

PHONE, LAPTOP = 390, 1280
PHONE_MAX = 639  # dashboard.css: tables become cards below 40rem
MIN_LABEL_PX = 14


def assert_reads_well(page, url, width):
    """At ``width`` px: chart labels are real text of at least 14 px, nothing scrolls sideways, tables are cards on
    a phone (no header row, each badge whole on screen)."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url)
    sizes = page.eval_on_selector_all(".chart-label", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= MIN_LABEL_PX, (width, min(sizes or [0]))
    assert page.locator("svg text").count() == 0  # no text that scales with a drawing
    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], (width, overflow)
    badges = page.eval_on_selector_all(".pace", "els => els.map(e => e.getBoundingClientRect().right)")
    assert badges and max(badges) <= width
    header_shown = page.eval_on_selector("table.targets thead", "e => e.getBoundingClientRect().height > 1")
    assert header_shown == (width > PHONE_MAX)  # on a phone each target is a card with labelled figures


@pytest.mark.django_db(transaction=True)
def test_a_visitor_follows_tien_do_and_changes_the_date(live_server, page, registry_data):
    make_recognition(stars=4, decision_date=datetime.date(2019, 12, 23))
    make_recognition(stars=3, decision_date=datetime.date(2020, 6, 12))

    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation").get_by_role("link", name="Tiến độ").click()
    page.wait_for_url(f"{live_server.url}/tien-do/")
    assert page.locator("h1").inner_text() == "Tiến độ thực hiện chương trình OCOP"
    assert page.get_by_role("link", name="Bảng điều khiển").count() == 0

    page.fill("#id_as_of", "30/06/2020")
    page.click("#as-of-form button[type=submit]")
    page.wait_for_url("**/tien-do/?as_of=30%2F06%2F2020")
    assert "30/06/2020" in page.locator("#as-of-text").inner_text()
    assert page.input_value("#id_as_of") == "30/06/2020"
    row = page.locator('.chart-progress[data-phase="2018–2020"] .target').first
    assert row.get_attribute("data-achieved") == "2"
    assert row.locator(".chart-label").inner_text().endswith(": 2/53 (3,8%)")
    assert row.locator("rect.bar-fill").bounding_box()["width"] > 0

    page.fill("#id_as_of", "31/13/2020")
    page.click("#as-of-form button[type=submit]")
    page.wait_for_load_state()
    error = page.locator("#id_as_of_error")
    assert error.inner_text() == "Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 30/06/2020."
    assert page.get_attribute("#id_as_of", "aria-invalid") == "true"


@pytest.mark.django_db(transaction=True)
def test_the_progress_page_reads_well_on_phones_and_a_laptop(live_server, page, registry_data):
    from evaluations.demo import demo_load

    demo_load()
    for width in (360, PHONE, 414, LAPTOP):
        assert_reads_well(page, f"{live_server.url}/tien-do/?as_of=30/06/2020", width)
        # A phase that has not started is said to be so, on a card whose badge is whole on screen.
        badge = page.locator('.phase[data-phase="2021–2025"] .target-row .pace').first
        assert badge.inner_text() == "chưa bắt đầu"
