"""The admin guards the record as the import does: the same rules, in ``evaluations.rules``, and messages in
Vietnamese on the field they are about (issue 11, acceptance 4)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db.models import CheckConstraint, UniqueConstraint
from django.urls import reverse
from django.utils.translation import override
from pytest_django.asserts import assertContains, assertNotContains

from evaluations import rules
from evaluations.models import Evaluation, Phase, Target
from evaluations.register_import import register_plan
from evaluations.rules import CouncilLevel, RuleSet
from evaluations.services import evaluation_record
from evaluations.tests.test_admin import entry_form, post_action
from products.models import Commune, Producer, Product, ProductGroup
from tests.factories import OFFICE, make_evaluation, make_product, make_recognition, make_staff

pytestmark = pytest.mark.django_db

Status = Evaluation.Status
ADD = reverse("admin:evaluations_evaluation_add")
MID_2020 = datetime.date(2020, 6, 30)
IMPORT_HEADER = "Tên sản phẩm,Chủ thể,Xã,Huyện,Hạng sao,Cấp công nhận,Số quyết định,Ngày quyết định"


@pytest.fixture
def office(client):
    user = make_staff("office", role=OFFICE)
    client.force_login(user)
    return user


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("quantri", password="x")
    client.force_login(user)
    return user


def scored_under_148(product=None):
    """A council's 4★ scores recorded under the 148 rules, without an evaluation date."""
    return evaluation_record(
        product=product or make_product(), level=CouncilLevel.PROVINCE, rule_set=RuleSet.R148,
        score_a=30, score_b=20, score_c=25,
    )


def change_form_data(client, evaluation) -> dict:
    """What the change form would post back unchanged (dates as the form shows them)."""
    url = reverse("admin:evaluations_evaluation_change", args=[evaluation.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, datetime.date):
            value = value.strftime("%d/%m/%Y")
        if value is not None and value is not False:
            data[name] = value
    return data


def tally_mid_2020() -> int:
    return Evaluation.objects.decided_by(MID_2020).count()


def csv_plan(*rows):
    return register_plan("\n".join([IMPORT_HEADER, *rows]).encode(), "danh-sach.csv").report


# --- The decision's date: the rule set's period, 2018, the future, the evaluation date ----------------------


def test_a_148_recognition_dated_2020_is_refused_by_the_decision_action(client, office):
    evaluation = scored_under_148()
    before = tally_mid_2020()
    response = post_action(
        client, "recognise_action", [evaluation.pk], apply="1", decision_no="1/QĐ-UBND", decision_date="01/01/2020"
    )
    assertContains(response, "trước khi bộ tiêu chí 148 có hiệu lực (24/02/2023)")
    assertContains(response, "Không có đánh giá nào được thay đổi.")
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision_date) == (Status.SCORED, None)
    assert tally_mid_2020() == before


def test_a_superuser_cannot_move_a_148_recognition_to_2020_in_the_change_form(client, superuser):
    recognition = make_recognition(stars=4, decision_date=datetime.date(2024, 6, 1))
    before = tally_mid_2020()
    data = {**change_form_data(client, recognition), "evaluated_on": "", "decision_date": "01/01/2020"}
    response = client.post(reverse("admin:evaluations_evaluation_change", args=[recognition.pk]), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "trước khi bộ tiêu chí 148 có hiệu lực" in errors["decision_date"][0]
    recognition.refresh_from_db()
    assert recognition.decision_date == datetime.date(2024, 6, 1)
    assert tally_mid_2020() == before


@pytest.mark.parametrize(
    "decision_date, message",
    [
        ("15/12/2017", "trước khi có chương trình OCOP (2018)"),
        ("01/01/2099", "ở tương lai"),
        ("30/04/2024", "trước ngày đánh giá"),
    ],
)
def test_the_decision_action_refuses_what_the_import_refuses(client, office, decision_date, message):
    evaluation = make_evaluation(evaluated_on=datetime.date(2024, 5, 1))
    response = post_action(
        client, "recognise_action", [evaluation.pk], apply="1", decision_no="1/QĐ-UBND", decision_date=decision_date
    )
    assertContains(response, message)
    evaluation.refresh_from_db()
    assert evaluation.status == Status.SCORED


def test_the_admin_and_the_import_ask_the_same_rule(client, office, monkeypatch):
    """One place: change the rule in ``rules`` and both the admin and the import follow."""
    monkeypatch.setattr(rules, "decision_date_problem", lambda **_: "Quy tắc thử: ngày này không được.")
    evaluation = make_evaluation(evaluated_on=datetime.date(2024, 5, 1))
    response = post_action(
        client, "recognise_action", [evaluation.pk], apply="1", decision_no="1/QĐ-UBND", decision_date="15/07/2024"
    )
    assertContains(response, "Quy tắc thử: ngày này không được.")
    report = csv_plan("Chè lam,HTX Chè lam,Lam Sơn,,3,Tỉnh,1120/QĐ-UBND,15/08/2025")
    assert [error.message for error in report.errors] == ["Quy tắc thử: ngày này không được."]


def test_the_import_refuses_a_decision_dated_before_the_programme_as_before():
    report = csv_plan("Chè lam,HTX Chè lam,Lam Sơn,,3,Tỉnh,1120/QĐ-UBND,15/08/2017")
    assert [error.column for error in report.errors] == ["Ngày quyết định"]
    assert "trước khi có chương trình OCOP" in report.errors[0].message


# --- A second recognition of a product on one day -------------------------------------------------------


def test_a_second_recognition_on_the_same_day_is_refused_in_the_admin_naming_the_first(client, office):
    first = make_recognition(stars=3, decision_no="925/QĐ-UBND", decision_date=datetime.date(2024, 6, 1))
    second = make_evaluation(first.product, evaluated_on=datetime.date(2024, 5, 20), scores=(30, 20, 25))
    response = post_action(
        client, "recognise_action", [second.pk], apply="1", decision_no="926/QĐ-UBND", decision_date="01/06/2024"
    )
    assertContains(response, "đã có quyết định công nhận 925/QĐ-UBND cùng ngày 01/06/2024")
    second.refresh_from_db()
    assert second.status == Status.SCORED
    # Another day is a renewal, as before.
    post_action(
        client, "recognise_action", [second.pk], apply="1", decision_no="926/QĐ-UBND", decision_date="02/06/2024"
    )
    second.refresh_from_db()
    assert second.status == Status.RECOGNISED


def test_a_second_recognition_on_the_same_day_is_refused_by_the_import_naming_the_first():
    first = make_recognition(stars=3, decision_no="925/QĐ-UBND", decision_date=datetime.date(2024, 6, 1))
    product = first.product
    row = f"{product.name},{product.producer.name},{product.commune.name},,4,Tỉnh,926/QĐ-UBND,01/06/2024"
    report = csv_plan(row)
    assert [error.column for error in report.errors] == ["Ngày quyết định"]
    assert "925/QĐ-UBND cùng ngày 01/06/2024" in report.errors[0].message
    # Two rows of one file: the second names the first.
    report = csv_plan(
        "Chè lam,HTX Chè lam,Lam Sơn,,3,Tỉnh,1120/QĐ-UBND,15/08/2025",
        "Chè lam,HTX Chè lam,Lam Sơn,,4,Tỉnh,1121/QĐ-UBND,15/08/2025",
    )
    assert [(error.row, error.column) for error in report.errors] == [(3, "Ngày quyết định")]
    assert "1120/QĐ-UBND cùng ngày 15/08/2025" in report.errors[0].message
    # The same decision twice stays "unchanged", not an error.
    assert csv_plan(row.replace("926/QĐ-UBND", "925/QĐ-UBND").replace(",4,", ",3,")).ok


# --- Messages: Vietnamese, on their field, one at a time ---------------------------------------------------


def every_constraint():
    for model in (Commune, Producer, ProductGroup, Product, Evaluation, Phase, Target):
        for constraint in model._meta.constraints:
            yield model, constraint


def test_every_constraint_has_a_vietnamese_message():
    for model, constraint in every_constraint():
        assert isinstance(constraint, (CheckConstraint, UniqueConstraint))
        message = constraint.get_violation_error_message()
        assert message != constraint.default_violation_error_message % {"name": constraint.name}, constraint.name
        assert constraint.name not in message and "Constraint" not in message, (model, constraint.name)


def test_constraint_messages_can_be_read_in_english_too():
    constraint = next(c for _m, c in every_constraint() if c.name == "evaluation_five_stars_central_only")
    assert "5 sao" in constraint.get_violation_error_message()
    with override("en"):
        assert str(constraint.get_violation_error_message())  # lazy: translated when shown, never at import


def test_a_negative_part_score_gets_one_clear_message(client, office):
    response = client.post(ADD, entry_form(make_product(), score_a="-5"))
    errors = response.context["adminform"].form.errors
    assert errors == {"score_a": ["Điểm không thể âm: nhập số điểm từ 0 trở lên."]}
    assertNotContains(response, "Nhập đủ điểm cả ba phần")


def test_a_missing_part_score_still_asks_for_all_three(client, office):
    response = client.post(ADD, entry_form(make_product(), score_b=""))
    assert response.context["adminform"].form.errors == {"score_a": ["Nhập đủ điểm cả ba phần, hoặc để trống cả ba."]}


def test_the_duplicate_decision_number_is_a_vietnamese_message_on_its_field(client, superuser):
    first = make_recognition(stars=3, decision_no="925/QĐ-UBND", decision_date=datetime.date(2024, 6, 1))
    second = make_evaluation(first.product, evaluated_on=datetime.date(2024, 7, 1), scores=(30, 20, 25))
    data = {**change_form_data(client, second), "status": Status.RECOGNISED, "decision_no": "925/QĐ-UBND",
            "decision_date": "15/07/2024"}
    response = client.post(reverse("admin:evaluations_evaluation_change", args=[second.pk]), data)
    form = response.context["adminform"].form
    assert form.errors == {"decision_no": ["Sản phẩm này đã có một đánh giá theo số quyết định này."]}
    assertNotContains(response, "evaluation_one_recognition_per_product_per_decision")


def test_the_admin_banner_and_calendar_are_in_vietnamese(client, office):
    response = client.post(ADD, entry_form(make_product(), score_a="-5"))
    assertContains(response, "Hãy sửa lỗi dưới đây.")
    assertNotContains(response, "Please correct")
    catalogue = client.get(reverse("admin:jsi18n")).content.decode()
    assert "Ch\\u1ee7 nh\\u1eadt" in catalogue or "Chủ nhật" in catalogue  # "Sunday"


# --- The live total never contradicts the read-only rows -------------------------------------------------


def test_the_live_total_script_has_the_words_for_the_read_only_rows(client, office):
    page = client.get(ADD)
    data = page.context["evaluation_rules"]
    assert data["labels"]["unsaved"] == "tạm tính, chưa lưu"
    assertContains(page, 'class="form-row field-total"')
    assertContains(page, 'class="form-row field-stars"')


def test_import_keeps_its_figures_unchanged_by_the_shared_rules():
    """The import's own header and a good row still plan as before (the rule set follows the date)."""
    report = csv_plan("Nước mắm Lê Gia,Công ty TNHH Lê Gia,Nga Thanh,Nga Sơn,4,Tỉnh,5445/QĐ-UBND,23/12/2019")
    assert report.ok, report.errors
    assert report.created_evaluations == 1


def test_the_search_box_and_the_history_have_no_english_left(client, office):
    recognition = make_recognition(stars=4, decision_date=datetime.date(2024, 6, 1))
    changelist = client.get(reverse("admin:evaluations_evaluation_changelist")).content.decode()
    assert 'alt="Tìm kiếm"' in changelist and 'alt="Search"' not in changelist
    history = client.get(reverse("admin:evaluations_evaluation_history", args=[recognition.pk])).content.decode()
    assert "Ngày quyết định:</strong> —&nbsp;&rarr;&nbsp;2024-06-01" in history
    assert "None" not in history
