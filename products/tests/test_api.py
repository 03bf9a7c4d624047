"""The open-data JSON API under /api/v1/ and its OpenAPI schema."""

import re

import pytest
from django.test import TestCase
from django.urls import reverse

from evaluations import rules
from products.filters import PAGE_SIZE
from products.tests.test_selectors import LISTED, NEVER_LISTED, build_catalogue, days_ago
from products.tests.test_views import make_many_products

LIST_URL = "/api/v1/products/"


class ProductApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_catalogue()

    def get_json(self, url, params=None, status=200):
        response = self.client.get(url, params or {})
        self.assertEqual(response.status_code, status, response.content[:300])
        return response.json()

    def test_list_url_is_under_api_v1(self):
        self.assertEqual(reverse("products_api:product_list"), LIST_URL)

    def test_list_has_the_documented_shape(self):
        data = self.get_json(LIST_URL, {"q": "dong son"})
        self.assertEqual(set(data), {"count", "next", "previous", "results"})
        self.assertEqual(data["count"], 1)
        item = data["results"][0]
        product = self.p["valid4"]
        self.assertEqual(item["code"], product.code)
        self.assertEqual(item["name"], "Nem chua Đông Sơn")
        self.assertEqual(item["slug"], product.slug)
        self.assertEqual(item["url"], "http://testserver" + product.get_absolute_url())
        self.assertEqual(item["stars"], 4)
        self.assertEqual(item["group"], {"code": "I.3", "name": "Thực phẩm chế biến"})
        self.assertEqual(item["producer"], {"name": "Hộ kinh doanh Đỗ Văn Đức", "kind": "ho_kd"})
        self.assertEqual(item["commune"], {"code": product.commune.code, "name": product.commune.full_name})
        decision_date = days_ago(200)
        self.assertEqual(
            item["certificate"],
            {
                "decision_no": product.evaluations.get().decision_no,
                "decision_date": decision_date.isoformat(),
                "valid_until": rules.certificate_valid_until(decision_date).isoformat(),
                "status": "valid",
                "expiring_soon": False,
            },
        )

    def test_list_defaults_to_valid_certificates_and_accepts_every_status(self):
        self.assertEqual(self.get_json(LIST_URL)["count"], 5)
        self.assertEqual(self.get_json(LIST_URL, {"status": "all"})["count"], len(LISTED))
        revoked = self.get_json(LIST_URL, {"status": "revoked"})["results"]
        self.assertEqual([r["certificate"]["status"] for r in revoked], ["revoked"])
        expiring = self.get_json(LIST_URL, {"q": "chieu coi"})["results"][0]["certificate"]
        self.assertEqual((expiring["status"], expiring["expiring_soon"]), ("valid", True))

    def test_list_accepts_the_catalogue_filters(self):
        p = self.p["valid3"]
        params = {
            "q": "NUOC MAM",
            "stars": ["3", "4"],
            "group": "I",
            "commune": p.commune.code,
            "district": p.legacy_commune.district.code,
            "producer_kind": "doanh_nghiep",
            "year": str(days_ago(100).year),
            "status": "valid",
            "ordering": "name",
        }
        results = self.get_json(LIST_URL, params)["results"]
        self.assertEqual([r["slug"] for r in results], [p.slug])

    def test_latest_recognition_and_no_proposal_in_the_api(self):
        results = {r["slug"]: r for r in self.get_json(LIST_URL, {"status": "all"})["results"]}
        self.assertEqual(results[self.p["rerated"].slug]["stars"], 3)
        self.assertEqual(results[self.p["proposed"].slug]["stars"], 4)
        for key in NEVER_LISTED:
            self.assertNotIn(self.p[key].slug, results)

    def test_bad_filter_values_answer_400_with_a_message(self):
        data = self.get_json(LIST_URL, {"stars": "9", "year": "abc"}, status=400)
        self.assertIn("stars", data)
        self.assertIn("year", data)
        self.assertIn("không hợp lệ", self.get_json(LIST_URL, {"page": "99"}, status=400)["page"][0])
        self.assertEqual(self.get_json(LIST_URL, {"page": "abc"}, status=400).keys(), {"page"})

    def test_unknown_parameters_are_ignored(self):
        self.assertEqual(self.get_json(LIST_URL, {"colour": "red"})["count"], 5)

    def test_a_five_thousand_character_query_is_an_empty_result(self):
        self.assertEqual(self.get_json(LIST_URL, {"q": "y" * 5000})["count"], 0)

    def test_detail_has_the_same_fields_plus_the_rating_history(self):
        product = self.p["rerated"]
        data = self.get_json(f"{LIST_URL}{product.slug}/")
        self.assertEqual(data["stars"], 3)
        self.assertEqual(data["url"], "http://testserver" + product.get_absolute_url())
        self.assertEqual([h["stars"] for h in data["history"]], [3, 4])
        first = data["history"][0]
        self.assertEqual(first["decision_date"], days_ago(50).isoformat())
        self.assertEqual((first["score_a"], first["score_b"], first["score_c"], first["total"]), (20, 15, 25, 60))
        self.assertEqual(first["level"], "province")

    def test_detail_of_a_product_outside_the_catalogue_is_404(self):
        for key in NEVER_LISTED:
            self.get_json(f"{LIST_URL}{self.p[key].slug}/", status=404)

    def test_detail_takes_a_constant_number_of_queries(self):
        with self.assertNumQueries(2):
            self.client.get(f"{LIST_URL}{self.p['rerated'].slug}/")

    def test_api_is_read_only(self):
        self.assertEqual(self.client.post(LIST_URL, {}).status_code, 405)

    def test_schema_describes_the_products_endpoints(self):
        response = self.client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
        self.assertEqual(response.status_code, 200)
        schema = response.json()
        self.assertIn("/api/v1/products/", schema["paths"])
        self.assertIn("/api/v1/products/{slug}/", schema["paths"])
        names = {p["name"] for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
        self.assertTrue({"q", "stars", "group", "commune", "district", "producer_kind", "year", "status", "ordering",
                         "page"} <= names)


class ApiScalingTests(TestCase):
    """The API list: two queries (count and page) whatever the page size or data."""

    def test_list_query_count_is_constant_in_page_size_and_data(self):
        make_many_products(3)
        with self.assertNumQueries(2):
            self.client.get(LIST_URL)
        make_many_products(PAGE_SIZE * 2, start=3)
        with self.assertNumQueries(2):
            data = self.client.get(LIST_URL, {"ordering": "stars"}).json()
        self.assertEqual(len(data["results"]), PAGE_SIZE)
        self.assertIn("ordering=stars", data["next"])
        self.assertIn("page=2", data["next"])


@pytest.mark.django_db
def test_null_character_in_a_text_filter_is_refused_in_vietnamese(client):
    """django-filter's CharFilter runs Django's ProhibitNullCharactersValidator, whose message the
    interface must show in Vietnamese like every other error."""
    for param in ("q", "group", "commune", "district"):
        response = client.get(LIST_URL, {param: "a\x00b"})
        assert response.status_code == 400, param
        messages = response.json()[param]
        assert "Null characters are not allowed." not in messages, param
        assert "Không được chứa ký tự rỗng (null)." in messages, param
        assert all(re.search("[ạ-ỹđà-ý]", message) for message in messages), messages


@pytest.mark.django_db
def test_an_unknown_product_is_a_404_with_a_vietnamese_message(client):
    response = client.get("/api/v1/products/khong-co-san-pham-nay/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không có sản phẩm này trong danh mục OCOP."}
