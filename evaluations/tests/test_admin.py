"""The evaluation admin: entry, the decision actions, read-only recognitions, history, export, search."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pytest_django.asserts import assertContains, assertHTMLEqual, assertNotContains

from evaluations import rules
from evaluations.admin.entry import EvaluationForm, part_maxima_table, rules_for_script
from evaluations.models import Evaluation
from evaluations.rules import CouncilLevel
from evaluations.services import evaluation_propose_national, evaluation_record
from products.models import ProducerKind
from tests.factories import make_evaluation, make_phase, make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db

OFFICE, CLERK = "Văn phòng điều phối", "Cán bộ nhập liệu"
CHANGELIST = reverse("admin:evaluations_evaluation_changelist")
ADD = reverse("admin:evaluations_evaluation_add")
Status = Evaluation.Status


def staff(username, *, role=None, superuser=False):
    user = get_user_model().objects.create_user(
        username, password="pw", is_staff=True, is_superuser=superuser, first_name=username.title()
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def change_url(evaluation):
    return reverse("admin:evaluations_evaluation_change", args=[evaluation.pk])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def listed(response):
    return list(response.context["cl"].result_list)


def listed_set(response):
    """The rows of the list, in any order."""
    return {evaluation.pk for evaluation in response.context["cl"].result_list}


def entry_form(product, **overrides):
    data = {
        "product": product.pk,
        "evaluated_on": "01/05/2024",
        "rule_set": "",
        "level": CouncilLevel.PROVINCE,
        "score_a": "30",
        "score_b": "20",
        "score_c": "25",
        "declared_stars": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def post_action(client, action, ids, **data):
    payload = {"action": action, "_selected_action": [str(pk) for pk in ids], "index": "0", "select_across": "0"}
    payload.update(data)
    return client.post(CHANGELIST, payload, follow=True)


@pytest.fixture
def office(client):
    user = staff("office", role=OFFICE)
    client.force_login(user)
    return user


@pytest.fixture
def clerk(client):
    user = staff("clerk", role=CLERK)
    client.force_login(user)
    return user


@pytest.fixture
def fish():
    """Recognised at 4 stars in 2019, made by an enterprise."""
    producer = make_producer(name="Công ty Lê Gia", kind=ProducerKind.ENTERPRISE)
    product = make_product(name="Nước mắm Lê Gia", producer=producer)
    return make_recognition(product, stars=4, decision_no="5445/QĐ-UBND", decision_date=datetime.date(2019, 12, 23))


@pytest.fixture
def oil():
    """Scored, made by a cooperative."""
    return make_evaluation(make_product(name="Dầu lạc"))


# --- The list: search, filters, query count ---------------------------------------------------------------


def test_changelist_query_count_does_not_grow_with_rows(client, office, fish, oil, django_assert_num_queries):
    few = count_queries(client, CHANGELIST)
    for _ in range(100):
        make_recognition(stars=3)
    with django_assert_num_queries(few):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 100
    assert few <= 16  # 15, and the session save that keeps staff idle time (8 h)


def test_search_ignores_case_and_diacritics(client, office, fish, oil):
    assert listed(client.get(CHANGELIST, {"q": "nuoc mam"})) == [fish]
    assert listed(client.get(CHANGELIST, {"q": "dau"})) == [oil]


def test_search_finds_decision_number_and_producer(client, office, fish, oil):
    assert listed(client.get(CHANGELIST, {"q": "5445"})) == [fish]
    assert listed(client.get(CHANGELIST, {"q": "le gia"})) == [fish]


@pytest.mark.parametrize(
    "param, value, expected",
    [
        ("sao", "4", ["fish"]),
        ("nam", "2019", ["fish"]),
        ("status", Status.SCORED, ["oil"]),
        ("nhom", "I", ["oil", "fish"]),
        ("loai_chu_the", ProducerKind.COOPERATIVE, ["oil"]),
        ("level", CouncilLevel.PROVINCE, ["oil", "fish"]),
    ],
)
def test_filters_narrow_the_list(client, office, fish, oil, param, value, expected):
    rows = {"fish": fish, "oil": oil}
    assert listed_set(client.get(CHANGELIST, {param: value})) == {rows[name].pk for name in expected}


@pytest.mark.parametrize(
    "params, matches",
    [
        # A value that is none of the filter's own is ignored…
        ({"sao": "x"}, ["fish", "oil"]),
        ({"nam": "20x9"}, ["fish", "oil"]),
        ({"product__commune__id__exact": "abc"}, ["fish", "oil"]),
        # …and a group or kind that nobody has matches nothing.
        ({"nhom": "ZZ"}, []),
        ({"loai_chu_the": "?"}, []),
    ],
)
def test_bad_filter_values_never_fail(client, office, fish, oil, params, matches):
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    rows = {"fish": fish, "oil": oil}
    assert listed_set(response) == {rows[name].pk for name in matches}


def test_a_malformed_date_hierarchy_value_sends_back_to_the_list_with_an_error_flag(client, office):
    response = client.get(CHANGELIST, {"decision_date__year": "abc"})
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?e=1"


def test_changelist_has_date_hierarchy_and_import_button(client, office, fish):
    response = client.get(CHANGELIST)
    assertContains(response, 'class="toplinks"')  # the date hierarchy
    assertContains(response, reverse("admin:evaluations_evaluation_import"))
    assertContains(response, "Nhập danh sách từ tệp")


def test_autocomplete_for_product_ignores_diacritics(client, office, fish, oil):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "evaluations", "model_name": "evaluation", "field_name": "product", "term": "nuoc mam"},
    )
    assert [row["text"] for row in response.json()["results"]] == ["Nước mắm Lê Gia"]


def test_stars_column_shows_stars_not_rated_or_a_dash(client, office, fish, oil):
    evaluation_record(product=make_product(), level=CouncilLevel.PROVINCE, not_rated=True)
    make_evaluation(scores=None)
    response = client.get(CHANGELIST)
    assertContains(response, "<span title='4 sao'>4★</span>", html=True)
    assertContains(response, '<td class="field-stars_display">Không đạt</td>', html=True)
    assertContains(response, '<td class="field-stars_display">—</td>', html=True)


# --- Entry -------------------------------------------------------------------------------------------------

# part_maxima_table as it was built in Python before it moved to a template.
PART_MAXIMA_HTML = (
    "<table class='part-maxima'><caption>Điểm tối đa từng phần theo bộ tiêu chí</caption><thead><tr>"
    "<th scope='col'>Bộ tiêu chí</th><th scope='col'>A. Sản phẩm và sức mạnh cộng đồng</th>"
    "<th scope='col'>B. Khả năng tiếp thị</th><th scope='col'>C. Chất lượng sản phẩm</th><th scope='col'>Tổng</th>"
    "</tr></thead><tbody>"
    "<tr{r1048}><th scope='row'>Quyết định 1048/QĐ-TTg (2019–2023)</th>"
    "<td>35</td><td>25</td><td>40</td><td>100</td></tr>"
    "<tr{r148}><th scope='row'>Quyết định 148/QĐ-TTg (từ 24/02/2023)</th>"
    "<td>40</td><td>25</td><td>35</td><td>100</td></tr>"
    "</tbody></table><p class='help'>1 sao: 0–29, 2 sao: 30–49, 3 sao: 50–69, 4 sao: 70–89, 5 sao: 90–100 "
    "Dưới cấp Trung ương tối đa 4 sao; 5 sao do Hội đồng Trung ương công nhận.</p>"
)


@pytest.mark.parametrize(
    "selected, marks",
    [
        ("", {"r1048": "", "r148": ""}),
        (rules.RuleSet.R148, {"r1048": "", "r148": " class='selected'"}),
        (rules.RuleSet.R1048, {"r1048": " class='selected'", "r148": ""}),
    ],
)
def test_part_maxima_template_renders_the_table_that_was_built_in_python(selected, marks):
    with translation.override("vi"):
        assertHTMLEqual(part_maxima_table(selected), PART_MAXIMA_HTML.format_map(marks))


def test_form_shows_part_maxima_of_each_rule_set_and_rules_for_the_script(client, clerk):
    response = client.get(ADD)
    assertContains(response, "<caption>Điểm tối đa từng phần theo bộ tiêu chí</caption>")
    assertContains(response, "<td>40</td><td>25</td><td>35</td>")
    assertContains(response, "<td>35</td><td>25</td><td>40</td>")
    assertNotContains(response, 'class="selected"')  # a new evaluation has no rule set yet
    assertContains(response, '<script id="evaluation-rules" type="application/json">')
    assertContains(response, "js/evaluation_total.js", count=1)
    assert response.context["evaluation_rules"] == rules_for_script()


def test_rules_for_the_script_come_from_the_rules():
    data = rules_for_script()
    assert data["maxima"][rules.RuleSet.R148] == {"a": 40, "b": 25, "c": 35}
    assert data["bands"][-1] == [rules.NATIONAL_MIN_POINTS, rules.MAX_TOTAL, rules.NATIONAL_STARS]
    assert data["belowCentralMax"] == rules.BELOW_CENTRAL_MAX_STARS
    assert f"Từ {rules.NATIONAL_MIN_POINTS} điểm" in data["labels"]["candidate"]


def test_change_form_marks_the_rule_set_of_the_evaluation(client, clerk):
    evaluation = make_evaluation(evaluated_on=datetime.date(2020, 6, 10))  # before 24/02/2023: rule set 1048
    response = client.get(change_url(evaluation))
    assertContains(
        response,
        '<tr class="selected"><th scope="row">Quyết định 1048/QĐ-TTg (2019–2023)</th>'
        "<td>35</td><td>25</td><td>40</td><td>100</td></tr>",
        html=True,
    )


def test_saving_scores_computes_total_and_stars_and_marks_scored(client, clerk):
    product = make_product(name="Chè lam Phủ Quảng")
    response = client.post(ADD, entry_form(product))
    assert response.status_code == 302, response.context and response.context["errors"]
    evaluation = Evaluation.objects.get(product=product)
    assert (evaluation.total, evaluation.stars, evaluation.status) == (75, 4, Status.SCORED)
    assert evaluation.rule_set == rules.RuleSet.R148


def test_without_scores_the_evaluation_stays_a_draft(client, clerk):
    product = make_product()
    client.post(ADD, entry_form(product, score_a="", score_b="", score_c=""))
    assert Evaluation.objects.get(product=product).status == Status.DRAFT


def test_clearing_the_scores_turns_a_scored_evaluation_back_into_a_draft(client, clerk):
    evaluation = make_evaluation(scores=(30, 20, 25))
    data = entry_form(evaluation.product, rule_set="148", score_a="", score_b="", score_c="")
    assert client.post(change_url(evaluation), data).status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.total) == (Status.DRAFT, None)


def test_declared_stars_alone_are_an_outcome(client, clerk):
    product = make_product()
    client.post(ADD, entry_form(product, score_a="", score_b="", score_c="", declared_stars="3"))
    evaluation = Evaluation.objects.get(product=product)
    assert (evaluation.status, evaluation.stars) == (Status.SCORED, 3)


def test_a_form_without_the_declared_stars_keeps_them_as_the_outcome():
    """Like the inline on the product page, which has no declared-stars column."""
    evaluation = evaluation_record(product=make_product(), level=CouncilLevel.PROVINCE, declared_stars=4)
    fields = ("evaluated_on", "rule_set", "level", "score_a", "score_b", "score_c", "not_rated")
    InlineForm = modelform_factory(Evaluation, form=EvaluationForm, fields=fields)
    form = InlineForm(
        {"evaluated_on": "2024-05-02", "rule_set": "148", "level": CouncilLevel.PROVINCE, "score_a": "", "score_b": "",
         "score_c": ""},
        instance=evaluation,
    )
    assert form.is_valid(), form.errors
    form.save()
    evaluation.refresh_from_db()
    assert evaluation.evaluated_on == datetime.date(2024, 5, 2)
    assert (evaluation.status, evaluation.stars) == (Status.SCORED, 4)


def test_impossible_score_is_refused_with_a_clear_message(client, clerk):
    response = client.post(ADD, entry_form(make_product(), score_a="45"))
    assertContains(response, "Tối đa 40 điểm theo bộ tiêu chí 148.", status_code=200)
    assert not Evaluation.objects.exists()


def test_old_rule_set_follows_the_evaluation_date(client, clerk):
    response = client.post(ADD, entry_form(make_product(), evaluated_on="10/06/2020", score_a="38"))
    assertContains(response, "Tối đa 35 điểm theo bộ tiêu chí 1048.")


def test_declared_stars_with_scores_are_refused_beside_the_field(client, clerk):
    response = client.post(ADD, entry_form(make_product(), declared_stars="4"))
    assertContains(response, "Hạng sao được tính từ điểm các phần")
    assert response.context["adminform"].form.errors["declared_stars"]


def test_errors_on_read_only_fields_are_shown_at_the_top_not_crashing(client, clerk):
    # The proposal for 5 stars is read-only for a clerk; lowering its scores below 90 breaks it.
    candidate = make_evaluation(scores=(38, 24, 33))
    evaluation_propose_national(evaluation=candidate, proposal_date=datetime.date(2024, 7, 1))
    response = client.post(change_url(candidate), entry_form(candidate.product, rule_set="148"))
    message = (
        "Đề xuất 5 sao: Chỉ đề xuất 5 sao sản phẩm được tỉnh chấm từ 90 điểm "
        "(hoặc quyết định ghi 4 sao, không kèm điểm)."
    )
    assertContains(response, message, status_code=200)
    assert response.context["adminform"].form.non_field_errors() == [message]
    candidate.refresh_from_db()
    assert candidate.total == 95


def test_clerk_cannot_set_decision_fields(client, clerk):
    product = make_product()
    client.post(ADD, entry_form(product, status=Status.RECOGNISED, decision_no="1/QĐ", decision_date="01/06/2024"))
    evaluation = Evaluation.objects.get(product=product)
    assert (evaluation.status, evaluation.decision_no) == (Status.SCORED, "")


# --- Decision actions --------------------------------------------------------------------------------------


@pytest.fixture
def scored_pair():
    return make_evaluation(scores=(30, 20, 25)), make_evaluation(scores=(20, 15, 20))


def test_recognise_asks_the_decision_once_then_recognises_the_batch(client, office, scored_pair):
    a, b = scored_pair
    page = post_action(client, "recognise_action", [a.pk, b.pk])
    assertContains(page, "Số quyết định công nhận")
    assertContains(page, "2 đánh giá được chọn")
    for evaluation in scored_pair:
        assertContains(page, f'<input type="hidden" name="_selected_action" value="{evaluation.pk}">', html=True)
    response = post_action(
        client, "recognise_action", [a.pk, b.pk], apply="1", decision_no="123/QĐ-UBND", decision_date="15/07/2024"
    )
    assertContains(response, "Đã công nhận 2 đánh giá theo quyết định 123/QĐ-UBND ngày 15/07/2024.")
    for evaluation in scored_pair:
        evaluation.refresh_from_db()
        assert evaluation.status == Status.RECOGNISED
        assert evaluation.decision_date == datetime.date(2024, 7, 15)
        assert evaluation.history.latest().history_user == office


def test_recognise_refuses_the_whole_batch_when_one_is_not_scored(client, office, scored_pair):
    a, _b = scored_pair
    draft = make_evaluation(scores=None)
    low = make_evaluation(scores=(10, 10, 10))
    response = post_action(
        client, "recognise_action", [a.pk, draft.pk, low.pk], apply="1", decision_no="9/QĐ", decision_date="15/07/2024"
    )
    assertContains(response, "chỉ công nhận được đánh giá “Đã chấm điểm” (đánh giá này: Nháp)")
    assertContains(response, "chỉ công nhận sản phẩm đạt từ 3 sao trở lên")
    assertContains(response, "Không có đánh giá nào được thay đổi.")
    a.refresh_from_db()
    assert a.status == Status.SCORED


def test_recognise_refuses_an_invalid_date(client, office, scored_pair):
    a, _b = scored_pair
    response = post_action(
        client, "recognise_action", [a.pk], apply="1", decision_no="9/QĐ", decision_date="31/02/2024"
    )
    assertContains(response, "Số quyết định công nhận")  # the form again, with its error
    assert response.context["form"].errors["decision_date"]
    a.refresh_from_db()
    assert a.status == Status.SCORED


def test_revoke_with_a_decision(client, office):
    recognised = make_recognition(stars=3, decision_date=datetime.date(2024, 6, 1))
    response = post_action(
        client, "revoke_action", [recognised.pk], apply="1", revocation_no="77/QĐ-UBND", revocation_date="01/02/2025"
    )
    assertContains(response, "Đã thu hồi 1 công nhận theo quyết định 77/QĐ-UBND.")
    recognised.refresh_from_db()
    assert (recognised.status, recognised.revocation_no) == (Status.REVOKED, "77/QĐ-UBND")


def test_revoke_refuses_what_is_not_recognised(client, office, scored_pair):
    a, _b = scored_pair
    response = post_action(client, "revoke_action", [a.pk], apply="1", revocation_no="7", revocation_date="01/02/2025")
    assertContains(response, "chỉ thu hồi được đánh giá “Đã công nhận”")


def test_propose_for_five_stars(client, office):
    candidate = make_evaluation(scores=(38, 24, 33))
    response = post_action(
        client, "propose_action", [candidate.pk], apply="1", proposal_date="23/07/2020", proposal_no="45/TTr-UBND"
    )
    assertContains(response, "Đã ghi nhận đề xuất 5 sao cho 1 đánh giá.")
    candidate.refresh_from_db()
    assert candidate.proposed_national
    assert candidate.stars == rules.BELOW_CENTRAL_MAX_STARS  # still 4 stars until the central council decides


def test_propose_refuses_below_ninety_points(client, office, scored_pair):
    a, _b = scored_pair
    response = post_action(client, "propose_action", [a.pk], apply="1", proposal_date="23/07/2024")
    assertContains(response, f"75 điểm, chưa đủ {rules.NATIONAL_MIN_POINTS} điểm để đề xuất 5 sao.")


def test_actions_need_their_permission(client, clerk, scored_pair):
    a, _b = scored_pair
    form = client.get(CHANGELIST).context["action_form"]  # None: no action at all for a clerk
    actions = [choice[0] for choice in form.fields["action"].choices] if form else []
    assert not {"recognise_action", "revoke_action", "propose_action"} & set(actions)
    post_action(client, "recognise_action", [a.pk], apply="1", decision_no="9/QĐ", decision_date="15/07/2024")
    a.refresh_from_db()
    assert a.status == Status.SCORED


# --- Recognitions are read-only, but for superusers ---------------------------------------------------------


@pytest.fixture
def recognised():
    return make_recognition(stars=3)


def test_recognised_evaluation_is_read_only_for_non_superusers(client, office, recognised):
    response = client.get(change_url(recognised))
    assertNotContains(response, 'name="_save"')
    assertContains(response, recognised.decision_no)
    assert client.post(change_url(recognised), {"notes": "sửa"}).status_code == 403
    delete = reverse("admin:evaluations_evaluation_delete", args=[recognised.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_superuser_may_correct_a_recognised_evaluation(client, recognised):
    client.force_login(staff("root", superuser=True))
    response = client.get(change_url(recognised))
    assertContains(response, 'name="_save"')
    data = entry_form(
        recognised.product,
        evaluated_on="22/05/2024",
        rule_set="148",
        score_a="20",
        score_b="15",
        score_c="26",
        status=Status.RECOGNISED,
        decision_no=recognised.decision_no,
        decision_date="01/06/2024",
        proposal_no="",
        proposal_date="",
        revocation_no="",
        revocation_date="",
    )
    assert client.post(change_url(recognised), data).status_code == 302
    recognised.refresh_from_db()
    assert (recognised.total, recognised.status) == (61, Status.RECOGNISED)


def test_history_cannot_revert_a_recognised_evaluation_without_change_rights(client, office, recognised):
    version = recognised.history.earliest()
    url = reverse("admin:evaluations_evaluation_simple_history", args=[recognised.pk, version.history_id])
    response = client.get(url)
    assertContains(response, recognised.product.name)
    assert response.context["revert_disabled"]
    assertNotContains(response, 'name="_save"')  # no "revert" button
    assert client.post(url, {}).status_code == 403
    recognised.refresh_from_db()
    assert recognised.status == Status.RECOGNISED


def test_history_page_shows_who_changed_what(client, clerk):
    evaluation = make_evaluation(scores=(20, 15, 20))
    data = entry_form(
        evaluation.product, evaluated_on="01/05/2024", rule_set="148", score_a="25", score_b="15", score_c="20"
    )
    assert client.post(change_url(evaluation), data).status_code == 302
    response = client.get(reverse("admin:evaluations_evaluation_history", args=[evaluation.pk]))
    assertContains(response, "Người thực hiện")
    assertContains(response, "clerk")
    assertContains(response, "Điểm phần A:</strong> 20")
    assertContains(response, "25")


# --- Export ------------------------------------------------------------------------------------------------


def csv_rows(response):
    header, *body = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [dict(zip(header, row)) for row in body]


def test_csv_export_has_a_bom_and_only_the_filtered_rows(client, office, fish, oil):
    response = client.get(reverse("admin:evaluations_evaluation_export_csv"), {"status": Status.RECOGNISED})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    [record] = csv_rows(response)
    assert record["Tên sản phẩm"] == "Nước mắm Lê Gia"
    assert record["Ngày quyết định"] == "23/12/2019"
    assert record["Hạng sao"] == "4"
    assert record["Cấp công nhận"] == "Tỉnh"
    assert record["Trạng thái"] == "Đã công nhận"


def test_xlsx_export_follows_the_search(client, office, fish, oil):
    response = client.get(reverse("admin:evaluations_evaluation_export_xlsx"), {"q": "dau"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "Dầu lạc"


def test_changelist_links_keep_the_filters(client, office, fish):
    response = client.get(CHANGELIST, {"status": Status.RECOGNISED})
    assertContains(response, reverse("admin:evaluations_evaluation_export_xlsx") + "?status=recognised")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_without_view_permission_is_a_403_page_not_the_file(client, fish, fmt):
    client.force_login(staff("nobody"))
    response = client.get(reverse(f"admin:evaluations_evaluation_export_{fmt}"))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assertContains(response, "Không có quyền truy cập", status_code=403)
    assertNotContains(response, "Nước mắm Lê Gia", status_code=403)


# --- Decision year and stars filters on the list and the exports --------------------------------------------
# ``?nam=`` accepts years 1900–2999; anything else is ignored, never a 500 ("year 0 is out of range").


@pytest.fixture
def fish_2019():
    return make_recognition(make_product(name="Nước mắm Lê Gia"), stars=4, decision_date=datetime.date(2019, 12, 23))


@pytest.mark.parametrize("value", ["0000", "0001", "1899", "3000", "9999", "²⁰¹⁹", "２０１９", "٢٠١٩"])
def test_out_of_range_or_odd_years_are_ignored_on_the_list_and_the_exports(client, office, fish_2019, oil, value):
    assert listed_set(client.get(CHANGELIST, {"nam": value})) == {fish_2019.pk, oil.pk}
    assert len(csv_rows(client.get(reverse("admin:evaluations_evaluation_export_csv"), {"nam": value}))) == 2
    response = client.get(reverse("admin:evaluations_evaluation_export_xlsx"), {"nam": value})
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 3  # the header and both


def test_years_in_range_still_filter(client, office, fish_2019, oil):
    assert listed(client.get(CHANGELIST, {"nam": "2019"})) == [fish_2019]
    assert listed(client.get(CHANGELIST, {"nam": "1900"})) == []


@pytest.mark.parametrize("value", ["²", "٣", "٤", "99999999999999999999999", "0"])
def test_odd_star_values_are_ignored(client, office, fish_2019, oil, value):
    response = client.get(CHANGELIST, {"sao": value})
    assert response.status_code == 200
    assert listed_set(response) == {fish_2019.pk, oil.pk}


# --- Phases and targets ------------------------------------------------------------------------------------


def test_phase_and_target_changelists_do_not_grow_with_rows(client, office):
    urls = [reverse("admin:evaluations_phase_changelist"), reverse("admin:evaluations_target_changelist")]
    before = [count_queries(client, url) for url in urls]
    for year in range(100):
        make_phase(name=f"Giai đoạn {year}", start=datetime.date(2100 + year, 1, 1),
                   end=datetime.date(2100 + year, 12, 31), targets=[("Sản phẩm 3–4 sao", "recognised", 3, 4, 10)])
    after = [count_queries(client, url) for url in urls]
    assert before == after


def test_phase_search_ignores_diacritics(client, office):
    response = client.get(reverse("admin:evaluations_phase_changelist"), {"q": "2021–2025"})
    assert [phase.name for phase in listed(response)] == ["2021–2025"]
    response = client.get(reverse("admin:evaluations_target_changelist"), {"q": "sao"})
    assert response.context["cl"].result_count >= 4
