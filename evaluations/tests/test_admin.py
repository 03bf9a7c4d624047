"""The evaluation admin: entry, the decision actions, read-only recognitions, history, export, search."""

import csv
import datetime
import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import Evaluation
from evaluations.rules import CouncilLevel
from tests.factories import make_evaluation, make_phase, make_producer, make_product, make_recognition

CHANGELIST = reverse("admin:evaluations_evaluation_changelist")
ADD = reverse("admin:evaluations_evaluation_add")


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


class EvaluationChangelistTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.office = staff("office", role="Văn phòng điều phối")
        fish = make_product(name="Nước mắm Lê Gia", producer=make_producer(name="Công ty Lê Gia", kind="doanh_nghiep"))
        oil = make_product(name="Dầu lạc Hoằng Hoá")
        cls.fish = make_recognition(fish, stars=4, decision_no="5445/QĐ-UBND", decision_date=datetime.date(2019, 12, 23))
        cls.oil = make_evaluation(oil)

    def setUp(self):
        self.client.force_login(self.office)

    def test_changelist_query_count_does_not_grow_with_rows(self):
        few = count_queries(self.client, CHANGELIST)
        for _ in range(100):
            make_recognition(stars=3)
        with self.assertNumQueries(few):
            response = self.client.get(CHANGELIST)
        self.assertEqual(len(response.context["cl"].result_list), 100)
        self.assertLessEqual(few, 16)  # 15, and the session save that keeps staff idle time (8 h)

    def test_search_ignores_case_and_diacritics(self):
        response = self.client.get(CHANGELIST, {"q": "nuoc mam"})
        self.assertEqual(list(response.context["cl"].result_list), [self.fish])
        response = self.client.get(CHANGELIST, {"q": "dau"})
        self.assertEqual(list(response.context["cl"].result_list), [self.oil])

    def test_search_finds_decision_number_and_producer(self):
        response = self.client.get(CHANGELIST, {"q": "5445"})
        self.assertEqual(list(response.context["cl"].result_list), [self.fish])
        response = self.client.get(CHANGELIST, {"q": "le gia"})
        self.assertEqual(list(response.context["cl"].result_list), [self.fish])

    def test_filters_narrow_the_list(self):
        cases = {
            "sao": ("4", [self.fish]),
            "nam": ("2019", [self.fish]),
            "status": ("scored", [self.oil]),
            "nhom": ("I", [self.oil, self.fish]),
            "loai_chu_the": ("htx", [self.oil]),
            "level": ("province", [self.oil, self.fish]),
        }
        for param, (value, expected) in cases.items():
            response = self.client.get(CHANGELIST, {param: value})
            self.assertCountEqual(response.context["cl"].result_list, expected, param)

    def test_bad_filter_values_never_fail(self):
        for params in ({"sao": "x"}, {"nam": "20x9"}, {"nhom": "ZZ"}, {"product__commune__id__exact": "abc"},
                       {"decision_date__year": "abc"}, {"loai_chu_the": "?"}):
            response = self.client.get(CHANGELIST, params)
            self.assertIn(response.status_code, (200, 302), params)

    def test_changelist_has_date_hierarchy_and_import_button(self):
        response = self.client.get(CHANGELIST)
        self.assertContains(response, "class=\"toplinks\"")  # the date hierarchy
        self.assertContains(response, reverse("admin:evaluations_evaluation_import"))
        self.assertContains(response, "Nhập danh sách từ tệp")

    def test_autocomplete_for_product_ignores_diacritics(self):
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"app_label": "evaluations", "model_name": "evaluation", "field_name": "product", "term": "nuoc mam"},
        )
        self.assertEqual([row["text"] for row in response.json()["results"]], ["Nước mắm Lê Gia"])


class EvaluationEntryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clerk = staff("clerk", role="Cán bộ nhập liệu")
        cls.product = make_product(name="Chè lam Phủ Quảng")

    def setUp(self):
        self.client.force_login(self.clerk)

    def test_form_shows_part_maxima_of_each_rule_set_and_rules_for_the_script(self):
        response = self.client.get(ADD)
        self.assertContains(response, "part-maxima")
        self.assertContains(response, "<td>40</td><td>25</td><td>35</td>", html=False)
        self.assertContains(response, "<td>35</td><td>25</td><td>40</td>", html=False)
        self.assertContains(response, 'id="evaluation-rules"')
        self.assertContains(response, "js/evaluation_total.js")

    def test_saving_scores_computes_total_and_stars_and_marks_scored(self):
        response = self.client.post(ADD, entry_form(self.product))
        self.assertEqual(response.status_code, 302, getattr(response, "context", None) and response.context["errors"])
        evaluation = Evaluation.objects.get(product=self.product)
        self.assertEqual((evaluation.total, evaluation.stars, evaluation.status), (75, 4, "scored"))
        self.assertEqual(evaluation.rule_set, "148")

    def test_without_scores_the_evaluation_stays_a_draft(self):
        self.client.post(ADD, entry_form(self.product, score_a="", score_b="", score_c=""))
        self.assertEqual(Evaluation.objects.get(product=self.product).status, "draft")

    def test_impossible_score_is_refused_with_a_clear_message(self):
        response = self.client.post(ADD, entry_form(self.product, score_a="45"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tối đa 40 điểm theo bộ tiêu chí 148.")
        self.assertFalse(Evaluation.objects.exists())

    def test_old_rule_set_follows_the_evaluation_date(self):
        response = self.client.post(ADD, entry_form(self.product, evaluated_on="10/06/2020", score_a="38"))
        self.assertContains(response, "Tối đa 35 điểm theo bộ tiêu chí 1048.")

    def test_errors_on_read_only_fields_are_shown_not_crashing(self):
        # 90+ points at provincial level: at most 4 stars; with declared stars and scores: a clear error.
        response = self.client.post(ADD, entry_form(self.product, declared_stars="4"))
        self.assertContains(response, "Hạng sao được tính từ điểm các phần")

    def test_clerk_cannot_set_decision_fields(self):
        self.client.post(ADD, entry_form(self.product, status="recognised", decision_no="1/QĐ", decision_date="01/06/2024"))
        evaluation = Evaluation.objects.get(product=self.product)
        self.assertEqual((evaluation.status, evaluation.decision_no), ("scored", ""))


class WorkflowActionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.office = staff("office", role="Văn phòng điều phối")
        cls.clerk = staff("clerk", role="Cán bộ nhập liệu")
        cls.a = make_evaluation(scores=(30, 20, 25))
        cls.b = make_evaluation(scores=(20, 15, 20))

    def setUp(self):
        self.client.force_login(self.office)

    def post_action(self, action, ids, **data):
        payload = {"action": action, "_selected_action": [str(pk) for pk in ids], "index": "0", "select_across": "0"}
        payload.update(data)
        return self.client.post(CHANGELIST, payload, follow=True)

    def test_recognise_asks_the_decision_once_then_recognises_the_batch(self):
        page = self.post_action("recognise_action", [self.a.pk, self.b.pk])
        self.assertContains(page, "Số quyết định công nhận")
        self.assertContains(page, "2 đánh giá được chọn")
        response = self.post_action(
            "recognise_action", [self.a.pk, self.b.pk], apply="1", decision_no="123/QĐ-UBND", decision_date="15/07/2024"
        )
        self.assertContains(response, "Đã công nhận 2 đánh giá theo quyết định 123/QĐ-UBND ngày 15/07/2024.")
        for evaluation in (self.a, self.b):
            evaluation.refresh_from_db()
            self.assertEqual(evaluation.status, "recognised")
            self.assertEqual(evaluation.decision_date, datetime.date(2024, 7, 15))
            self.assertEqual(evaluation.history.latest().history_user, self.office)

    def test_recognise_refuses_the_whole_batch_when_one_is_not_scored(self):
        draft = make_evaluation(scores=None)
        low = make_evaluation(scores=(10, 10, 10))
        response = self.post_action(
            "recognise_action", [self.a.pk, draft.pk, low.pk], apply="1", decision_no="9/QĐ", decision_date="15/07/2024"
        )
        self.assertContains(response, "chỉ công nhận được đánh giá “Đã chấm điểm” (đánh giá này: Nháp)")
        self.assertContains(response, "chỉ công nhận sản phẩm đạt từ 3 sao trở lên")
        self.assertContains(response, "Không có đánh giá nào được thay đổi.")
        self.a.refresh_from_db()
        self.assertEqual(self.a.status, "scored")

    def test_recognise_refuses_an_invalid_date(self):
        response = self.post_action("recognise_action", [self.a.pk], apply="1", decision_no="9/QĐ", decision_date="31/02/2024")
        self.assertContains(response, "Số quyết định công nhận")  # the form again, with its error
        self.a.refresh_from_db()
        self.assertEqual(self.a.status, "scored")

    def test_revoke_with_a_decision(self):
        recognised = make_recognition(stars=3, decision_date=datetime.date(2024, 6, 1))
        response = self.post_action(
            "revoke_action", [recognised.pk], apply="1", revocation_no="77/QĐ-UBND", revocation_date="01/02/2025"
        )
        self.assertContains(response, "Đã thu hồi 1 công nhận theo quyết định 77/QĐ-UBND.")
        recognised.refresh_from_db()
        self.assertEqual((recognised.status, recognised.revocation_no), ("revoked", "77/QĐ-UBND"))

    def test_revoke_refuses_what_is_not_recognised(self):
        response = self.post_action("revoke_action", [self.a.pk], apply="1", revocation_no="7", revocation_date="01/02/2025")
        self.assertContains(response, "chỉ thu hồi được đánh giá “Đã công nhận”")

    def test_propose_for_five_stars(self):
        candidate = make_evaluation(scores=(38, 24, 33))
        response = self.post_action(
            "propose_action", [candidate.pk], apply="1", proposal_date="23/07/2020", proposal_no="45/TTr-UBND"
        )
        self.assertContains(response, "Đã ghi nhận đề xuất 5 sao cho 1 đánh giá.")
        candidate.refresh_from_db()
        self.assertTrue(candidate.proposed_national)
        self.assertEqual(candidate.stars, 4)  # still 4 stars until the central council decides

    def test_propose_refuses_below_ninety_points(self):
        response = self.post_action("propose_action", [self.a.pk], apply="1", proposal_date="23/07/2024")
        self.assertContains(response, "75 điểm, chưa đủ 90 điểm để đề xuất 5 sao.")

    def test_actions_need_their_permission(self):
        self.client.force_login(self.clerk)
        response = self.client.get(CHANGELIST)
        form = response.context["action_form"]  # None: no action at all for a clerk
        actions = [choice[0] for choice in form.fields["action"].choices] if form else []
        self.assertNotIn("recognise_action", actions)
        self.assertNotIn("revoke_action", actions)
        self.assertNotIn("propose_action", actions)
        self.post_action("recognise_action", [self.a.pk], apply="1", decision_no="9/QĐ", decision_date="15/07/2024")
        self.a.refresh_from_db()
        self.assertEqual(self.a.status, "scored")


class ReadOnlyRecognitionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.office = staff("office", role="Văn phòng điều phối")
        cls.root = staff("root", superuser=True)
        cls.recognised = make_recognition(stars=3)

    def test_recognised_evaluation_is_read_only_for_non_superusers(self):
        self.client.force_login(self.office)
        response = self.client.get(change_url(self.recognised))
        self.assertNotContains(response, 'name="_save"')
        response = self.client.post(change_url(self.recognised), {"notes": "sửa"})
        self.assertEqual(response.status_code, 403)
        delete = reverse("admin:evaluations_evaluation_delete", args=[self.recognised.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)

    def test_superuser_may_correct_a_recognised_evaluation(self):
        self.client.force_login(self.root)
        response = self.client.get(change_url(self.recognised))
        self.assertContains(response, 'name="_save"')
        data = entry_form(
            self.recognised.product,
            evaluated_on="22/05/2024",
            rule_set="148",
            score_a="20",
            score_b="15",
            score_c="26",
            status="recognised",
            decision_no=self.recognised.decision_no,
            decision_date="01/06/2024",
            proposal_no="",
            proposal_date="",
            revocation_no="",
            revocation_date="",
        )
        response = self.client.post(change_url(self.recognised), data)
        self.assertEqual(response.status_code, 302)
        self.recognised.refresh_from_db()
        self.assertEqual(self.recognised.total, 61)

    def test_history_cannot_revert_a_recognised_evaluation_without_change_rights(self):
        self.client.force_login(self.office)
        version = self.recognised.history.earliest()
        url = reverse("admin:evaluations_evaluation_simple_history", args=[self.recognised.pk, version.history_id])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.post(url, {}).status_code, 403)
        self.recognised.refresh_from_db()
        self.assertEqual(self.recognised.status, "recognised")


class HistoryTests(TestCase):
    def test_history_page_shows_who_changed_what(self):
        clerk = staff("clerk", role="Cán bộ nhập liệu")
        evaluation = make_evaluation(scores=(20, 15, 20))
        self.client.force_login(clerk)
        data = entry_form(evaluation.product, evaluated_on="01/05/2024", rule_set="148", score_a="25", score_b="15", score_c="20")
        self.assertEqual(self.client.post(change_url(evaluation), data).status_code, 302)
        response = self.client.get(reverse("admin:evaluations_evaluation_history", args=[evaluation.pk]))
        self.assertContains(response, "Người thực hiện")
        self.assertContains(response, "clerk")
        self.assertContains(response, "Điểm phần A:</strong> 20")
        self.assertContains(response, "25")


class ExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.office = staff("office", role="Văn phòng điều phối")
        cls.fish = make_recognition(make_product(name="Nước mắm Lê Gia"), stars=4, decision_no="5445/QĐ-UBND",
                                    decision_date=datetime.date(2019, 12, 23))
        cls.oil = make_evaluation(make_product(name="Dầu lạc"))

    def setUp(self):
        self.client.force_login(self.office)

    def test_csv_export_has_a_bom_and_only_the_filtered_rows(self):
        response = self.client.get(reverse("admin:evaluations_evaluation_export_csv"), {"status": "recognised"})
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertTrue(response.content.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        header, *body = rows
        self.assertEqual(len(body), 1)
        record = dict(zip(header, body[0]))
        self.assertEqual(record["Tên sản phẩm"], "Nước mắm Lê Gia")
        self.assertEqual(record["Ngày quyết định"], "23/12/2019")
        self.assertEqual(record["Hạng sao"], "4")
        self.assertEqual(record["Cấp công nhận"], "Tỉnh")
        self.assertEqual(record["Trạng thái"], "Đã công nhận")

    def test_xlsx_export_follows_the_search(self):
        response = self.client.get(reverse("admin:evaluations_evaluation_export_xlsx"), {"q": "dau"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][0], "Dầu lạc")

    def test_changelist_links_keep_the_filters(self):
        response = self.client.get(CHANGELIST, {"status": "recognised"})
        self.assertContains(response, reverse("admin:evaluations_evaluation_export_xlsx") + "?status=recognised")

    def test_export_needs_view_permission(self):
        self.client.force_login(staff("nobody"))
        response = self.client.get(reverse("admin:evaluations_evaluation_export_csv"))
        self.assertEqual(response.status_code, 403)


class PhaseAndTargetAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.office = staff("office", role="Văn phòng điều phối")

    def setUp(self):
        self.client.force_login(self.office)

    def test_phase_and_target_changelists_do_not_grow_with_rows(self):
        urls = [reverse("admin:evaluations_phase_changelist"), reverse("admin:evaluations_target_changelist")]
        before = [count_queries(self.client, url) for url in urls]
        for year in range(100):
            make_phase(name=f"Giai đoạn {year}", start=datetime.date(2100 + year, 1, 1),
                       end=datetime.date(2100 + year, 12, 31), targets=[("Sản phẩm 3–4 sao", "recognised", 3, 4, 10)])
        after = [count_queries(self.client, url) for url in urls]
        self.assertEqual(before, after)

    def test_phase_search_ignores_diacritics(self):
        response = self.client.get(reverse("admin:evaluations_phase_changelist"), {"q": "2021–2025"})
        self.assertEqual([p.name for p in response.context["cl"].result_list], ["2021–2025"])
        response = self.client.get(reverse("admin:evaluations_target_changelist"), {"q": "sao"})
        self.assertTrue(response.context["cl"].result_count >= 4)


class DecisionYearFilterTests(TestCase):
    """``?nam=`` accepts years 1900–2999; anything else is ignored, never a 500 ("year 0 is out of range")."""

    @classmethod
    def setUpTestData(cls):
        cls.office = staff("office", role="Văn phòng điều phối")
        cls.fish = make_recognition(
            make_product(name="Nước mắm Lê Gia"), stars=4, decision_date=datetime.date(2019, 12, 23)
        )
        cls.oil = make_evaluation(make_product(name="Dầu lạc"))

    def setUp(self):
        self.client.force_login(self.office)

    def test_out_of_range_or_odd_years_are_ignored_on_the_list_and_the_exports(self):
        urls = [CHANGELIST, reverse("admin:evaluations_evaluation_export_csv"),
                reverse("admin:evaluations_evaluation_export_xlsx")]
        for value in ("0000", "0001", "1899", "3000", "9999", "²⁰¹⁹", "２０１９", "٢٠١٩"):
            for url in urls:
                response = self.client.get(url, {"nam": value})
                self.assertEqual(response.status_code, 200, (url, value))
            response = self.client.get(CHANGELIST, {"nam": value})
            self.assertCountEqual(response.context["cl"].result_list, [self.fish, self.oil], value)

    def test_years_in_range_still_filter(self):
        response = self.client.get(CHANGELIST, {"nam": "2019"})
        self.assertEqual(list(response.context["cl"].result_list), [self.fish])
        response = self.client.get(CHANGELIST, {"nam": "1900"})
        self.assertEqual(list(response.context["cl"].result_list), [])

    def test_odd_star_values_are_ignored(self):
        for value in ("²", "٣", "99999999999999999999999", "0"):
            response = self.client.get(CHANGELIST, {"sao": value})
            self.assertEqual(response.status_code, 200, value)
        response = self.client.get(CHANGELIST, {"sao": "٤"})
        self.assertCountEqual(response.context["cl"].result_list, [self.fish, self.oil])
