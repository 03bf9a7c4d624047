"""A data-entry officer records an evaluation in the admin, in a real browser (Debian's chromium)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from evaluations.models import Evaluation
from tests.e2e.admin_steps import enter_provincial_scores, sign_in_as
from tests.factories import OFFICE, make_producer, make_product, make_recognition, make_staff


@pytest.mark.django_db(transaction=True)
def test_data_entry_officer_records_an_evaluation(live_server, page, registry_data):
    clerk = get_user_model().objects.create_user("nhaplieu", password="mat-khau-thu", is_staff=True)
    clerk.groups.add(Group.objects.get(name="Cán bộ nhập liệu"))
    product = make_product(name="Nước mắm Lê Gia")

    page.goto(f"{live_server.url}/admin/login/?next=/admin/evaluations/evaluation/add/")
    page.fill("#id_username", "nhaplieu")
    page.fill("#id_password", "mat-khau-thu")
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_contain_text("Thêm")

    # The product, through the autocomplete box, typed without diacritics.
    page.click("#id_product + .select2 .select2-selection")
    page.fill(".select2-search__field", "nuoc mam")
    page.click(".select2-results__option:has-text('Nước mắm Lê Gia')")
    # Progressive enhancement: the total and the stars appear as the scores are typed.
    enter_provincial_scores(page)
    page.click("input[name=_save]")

    expect(page.locator("ul.messagelist")).to_contain_text(re.compile("thành công|đã được thêm", re.I))
    evaluation = Evaluation.objects.get(product=product)
    assert (evaluation.total, evaluation.stars, evaluation.status) == (75, 4, "scored")
    assert evaluation.history.latest().history_user == clerk


@pytest.mark.django_db(transaction=True)
def test_the_read_only_rows_return_to_what_is_saved_when_the_scores_are_cleared(live_server, page, registry_data,
                                                                                   client):
    sign_in_as(page, live_server, client, make_staff("office", role=OFFICE))
    page.goto(f"{live_server.url}/admin/evaluations/evaluation/add/")
    enter_provincial_scores(page)
    page.fill("#id_score_c", "")
    expect(page.locator(".field-total .readonly")).to_have_text("-")
    expect(page.locator(".field-stars .readonly")).to_have_text("-")
    page.fill("#id_score_c", "25")
    page.check("#id_not_rated")
    expect(page.locator("#evaluation-live-total")).to_contain_text("Không đạt")
    expect(page.locator(".field-stars .readonly")).to_have_text("Không đạt (tạm tính, chưa lưu)")


@pytest.mark.django_db(transaction=True)
def test_the_evaluation_list_fits_a_1280_px_screen(live_server, page, registry_data, client):
    """Decision number, date and status stay on screen beside the filters, with long names, the sidebar open."""
    producer = make_producer(name="Công ty Cổ phần Chế biến Nông sản Thực phẩm Xuất khẩu Hoằng Hóa Thanh Hóa")
    for n in range(3):
        product = make_product(name=f"Nước mắm cá cơm truyền thống thượng hạng Lê Gia loại đặc biệt {n}",
                               producer=producer)
        make_recognition(product, stars=4, decision_no=f"{5445 + n}/QĐ-UBND",
                         decision_date=datetime.date(2024, 12, 23))
    sign_in_as(page, live_server, client, make_staff("office", role=OFFICE))
    page.goto(f"{live_server.url}/admin/evaluations/evaluation/")
    assert page.viewport_size["width"] == 1280
    expect(page.locator("#nav-sidebar")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Nothing hidden in the list's own scrolling box, and the last columns end where the list is visible.
    results = page.locator("#changelist .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth")
    visible_right = results.bounding_box()["x"] + results.bounding_box()["width"]
    for column in ("field-status_display", "field-decision"):
        box = page.locator(f"td.{column}").first.bounding_box()
        assert box["x"] + box["width"] <= visible_right + 1, column
    expect(page.locator("td.field-decision").first).to_contain_text("5447/QĐ-UBND")
    expect(page.locator("td.field-decision").first).to_contain_text("23/12/2024")
