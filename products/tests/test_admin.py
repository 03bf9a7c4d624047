"""The registry admin for units, producers, groups and products: query counts, search, inlines, export."""

import csv
import io
import zipfile

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import Evaluation
from ocop_registry.exports import safe_cell
from products.models import LegacySector, ProductGroup
from tests.factories import legacy_commune, make_producer, make_product, make_recognition


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(context.captured_queries), response


class ChangelistQueryCountTests(TestCase):
    """Every registry changelist: a page of 100 rows costs the same queries as a page of a few."""

    @classmethod
    def setUpTestData(cls):
        cls.root = get_user_model().objects.create_superuser("root", password="pw")

    def setUp(self):
        self.client.force_login(self.root)

    def assert_constant(self, url, add_rows, max_queries=15):
        few, _ = count_queries(self.client, url)
        add_rows()
        many, response = count_queries(self.client, url)
        self.assertGreaterEqual(len(response.context["cl"].result_list), 100)
        self.assertEqual(few, many, url)
        self.assertLessEqual(many, max_queries, url)

    def test_units_changelists_pages_of_100_cost_the_same_as_the_last_page(self):
        # The 166 communes and the legacy units are loaded: compare a full page with the last one.
        for model in ("commune", "legacycommune", "legacydistrict"):
            url = reverse(f"admin:products_{model}_changelist")
            first, response = count_queries(self.client, url)
            pages = response.context["cl"].paginator.num_pages
            last, _ = count_queries(self.client, url, {"p": pages})
            self.assertEqual(first, last, model)
            self.assertLessEqual(first, 15, model)

    def test_producer_changelist(self):
        self.assert_constant(
            reverse("admin:products_producer_changelist"), lambda: [make_producer() for _ in range(100)]
        )

    def test_product_changelist(self):
        def rows():
            for n in range(100):
                product = make_product(legacy_commune=legacy_commune("Nga Sơn", "Nga Thanh")) if n % 10 == 0 else make_product()
                if n % 3 == 0:
                    make_recognition(product, stars=3)
        self.assert_constant(reverse("admin:products_product_changelist"), rows)

    def test_group_and_sector_changelists(self):
        def rows():
            parent = ProductGroup.objects.get(code="I")
            for n in range(7, 107):
                group = ProductGroup.objects.create(code=f"I.{n}", name=f"Phân nhóm {n}", parent=parent, position=n)
                LegacySector.objects.create(name=f"Ngành {n}", group=group)
        few = [count_queries(self.client, reverse(f"admin:products_{m}_changelist"))[0]
               for m in ("productgroup", "legacysector")]
        rows()
        many = [count_queries(self.client, reverse(f"admin:products_{m}_changelist"))[0]
                for m in ("productgroup", "legacysector")]
        self.assertEqual(few, many)


class ProductAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.office = get_user_model().objects.create_user("office", password="pw", is_staff=True)
        cls.office.groups.add(Group.objects.get(name="Văn phòng điều phối"))
        cls.fish = make_product(name="Nước mắm Lê Gia", producer=make_producer(name="Công ty CP Lê Gia"))
        cls.oil = make_product(name="Dầu lạc Hoằng Hoá")
        make_recognition(cls.fish, stars=4)

    def setUp(self):
        self.client.force_login(self.office)

    def test_search_nuoc_mam_finds_nuoc_mam_and_dau_finds_dau(self):
        url = reverse("admin:products_product_changelist")
        _, response = count_queries(self.client, url, {"q": "nuoc mam"})
        self.assertEqual(list(response.context["cl"].result_list), [self.fish])
        _, response = count_queries(self.client, url, {"q": "DAU"})
        self.assertEqual(list(response.context["cl"].result_list), [self.oil])
        _, response = count_queries(self.client, url, {"q": self.fish.code})
        self.assertEqual(list(response.context["cl"].result_list), [self.fish])

    def test_producer_and_commune_search_ignore_diacritics(self):
        _, response = count_queries(self.client, reverse("admin:products_producer_changelist"), {"q": "le gia"})
        self.assertEqual([p.name for p in response.context["cl"].result_list], ["Công ty CP Lê Gia"])
        _, response = count_queries(self.client, reverse("admin:products_commune_changelist"), {"q": "ham rong"})
        self.assertIn("Hàm Rồng", [c.name for c in response.context["cl"].result_list])
        _, response = count_queries(self.client, reverse("admin:products_productgroup_changelist"), {"q": "do uong"})
        self.assertIn("II", [g.code for g in response.context["cl"].result_list])

    def test_commune_autocomplete_ignores_diacritics(self):
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"app_label": "products", "model_name": "product", "field_name": "commune", "term": "ham rong"},
        )
        self.assertIn("Phường Hàm Rồng", [row["text"] for row in response.json()["results"]])

    def test_product_page_has_evaluation_and_image_inlines(self):
        response = self.client.get(reverse("admin:products_product_change", args=[self.fish.pk]))
        self.assertContains(response, 'id="evaluations-group"')
        self.assertContains(response, 'id="images-group"')

    def test_recognised_rows_in_the_inline_are_disabled(self):
        response = self.client.get(reverse("admin:products_product_change", args=[self.fish.pk]))
        form = response.context["inline_admin_formsets"][0].formset.forms[0]
        self.assertTrue(form.fields["score_a"].disabled)

    def test_product_filters_by_current_stars_group_and_producer_kind(self):
        url = reverse("admin:products_product_changelist")
        for params, expected in (({"sao": "4"}, [self.fish]), ({"sao": "chua-co"}, [self.oil]),
                                 ({"nhom": "I"}, [self.fish, self.oil]), ({"loai_chu_the": "tht"}, [])):
            _, response = count_queries(self.client, url, params)
            self.assertCountEqual(response.context["cl"].result_list, expected, params)

    def test_product_csv_export_follows_filters(self):
        response = self.client.get(reverse("admin:products_product_export_csv"), {"sao": "4"})
        self.assertTrue(response.content.startswith(b"\xef\xbb\xbf"))
        header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(len(rows), 1)
        record = dict(zip(header, rows[0]))
        self.assertEqual(record["Tên sản phẩm"], "Nước mắm Lê Gia")
        self.assertEqual(record["Hạng sao hiện tại"], "4")
        self.assertEqual(record["Trạng thái công nhận"], "Đã công nhận")

    def test_every_changelist_offers_both_exports(self):
        for model in ("products_commune", "products_legacydistrict", "products_legacycommune", "products_producer",
                      "products_productgroup", "products_legacysector", "products_product",
                      "evaluations_evaluation", "evaluations_phase", "evaluations_target"):
            response = self.client.get(reverse(f"admin:{model}_changelist"))
            self.assertContains(response, reverse(f"admin:{model}_export_xlsx"))
            self.assertContains(response, reverse(f"admin:{model}_export_csv"))
            self.assertEqual(self.client.get(reverse(f"admin:{model}_export_xlsx")).status_code, 200)

    def test_adding_an_evaluation_on_the_product_page(self):
        url = reverse("admin:products_product_change", args=[self.oil.pk])
        response = self.client.get(url)
        data = {}
        for formset in response.context["inline_admin_formsets"]:
            management = formset.formset.management_form
            for name, field in management.fields.items():
                data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
        data.update({
            "name": self.oil.name, "producer": self.oil.producer_id, "group": self.oil.group_id,
            "commune": self.oil.commune_id, "is_published": "on", "description": "",
            "evaluations-TOTAL_FORMS": "1", "evaluations-INITIAL_FORMS": "0",
            "evaluations-0-evaluated_on": "02/03/2024", "evaluations-0-rule_set": "",
            "evaluations-0-level": "province", "evaluations-0-score_a": "30", "evaluations-0-score_b": "20",
            "evaluations-0-score_c": "25", "evaluations-0-product": self.oil.pk,
        })
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.context and response.context["errors"])
        evaluation = Evaluation.objects.get(product=self.oil)
        self.assertEqual((evaluation.total, evaluation.stars, evaluation.status), (75, 4, "scored"))

    def test_producer_history_shows_who_changed_what(self):
        producer = self.oil.producer
        url = reverse("admin:products_producer_change", args=[producer.pk])
        data = {"name": "HTX Dầu lạc Hoằng Hoá", "kind": producer.kind, "commune": producer.commune_id,
                "address": "", "tax_code": "", "representative": "", "phone": "0912345678", "email": ""}
        self.assertEqual(self.client.post(url, data).status_code, 302)
        response = self.client.get(reverse("admin:products_producer_history", args=[producer.pk]))
        self.assertContains(response, "office")
        self.assertContains(response, "HTX Dầu lạc Hoằng Hoá")
        self.assertContains(response, "Nội dung thay đổi")

    def test_site_header_is_vietnamese(self):
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, "Quản trị OCOP Thanh Hóa")


class ExportFormulaInjectionTests(TestCase):
    """Text typed into the registry reaches a spreadsheet as text, never as a formula (CSV injection)."""

    PAYLOAD = '=HYPERLINK("http://evil.example","x")'

    @classmethod
    def setUpTestData(cls):
        cls.root = get_user_model().objects.create_superuser("root", password="pw")
        make_producer(name=cls.PAYLOAD, representative="+Lê Văn A", address="@SUM(A1:A9)")

    def setUp(self):
        self.client.force_login(self.root)

    def producer_rows(self, fmt):
        response = self.client.get(reverse(f"admin:products_producer_export_{fmt}"), {"q": "hyperlink"})
        self.assertEqual(response.status_code, 200)
        return response

    @staticmethod
    def sheet_xml(content):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return archive.read("xl/worksheets/sheet1.xml")

    def test_xlsx_export_stores_a_formula_like_name_as_plain_text(self):
        content = self.producer_rows("xlsx").content
        sheet = load_workbook(io.BytesIO(content)).active
        cells = {cell.value: cell for cell in sheet[2]}
        name = cells[self.PAYLOAD]
        # The exact text, as a string cell marked "typed with a leading apostrophe": never a formula.
        self.assertEqual(name.data_type, "s")
        self.assertTrue(name.quotePrefix)
        for text in ("+Lê Văn A", "@SUM(A1:A9)"):
            self.assertEqual((cells[text].data_type, cells[text].quotePrefix), ("s", True), text)
        self.assertNotIn(b"<f>", self.sheet_xml(content))

    def test_csv_export_prefixes_formula_like_cells_with_an_apostrophe(self):
        content = self.producer_rows("csv").content.decode("utf-8-sig")
        _header, row = list(csv.reader(io.StringIO(content)))
        self.assertIn("'" + self.PAYLOAD, row)
        self.assertIn("'+Lê Văn A", row)
        self.assertIn("'@SUM(A1:A9)", row)
        self.assertIn("Hợp tác xã", row)  # other text is untouched


def test_safe_cell_neutralises_only_text_that_a_spreadsheet_would_evaluate():
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    for value in ("Nước mắm", "", "1/QĐ-UBND", " =1", -1, 2.5, None):
        assert safe_cell(value) == value
