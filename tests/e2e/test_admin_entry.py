"""A data-entry officer records an evaluation in the admin, in a real browser (Debian's chromium)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from evaluations.models import Evaluation
from tests.e2e.admin_steps import enter_provincial_scores
from tests.factories import make_product


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
