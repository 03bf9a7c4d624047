"""The open-data JSON API under /api/v1/ and its OpenAPI schema."""

import json
import re

import pytest
from django.http import QueryDict
from django.urls import reverse
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from evaluations import rules
from products.api import ProductSerializer
from products.filters import PAGE_SIZE, CatalogueFilterSet
from products.tests.test_selectors import LISTED, NEVER_LISTED, days_ago
from products.tests.test_views import make_many_products
from tests.factories import make_producer, make_product, make_recognition

LIST_URL = "/api/v1/products/"
NOT_IN_CATALOGUE = {"detail": "Không có sản phẩm này trong danh mục OCOP."}


def get_json(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, response.content[:300]
    return response.json()


def test_list_url_is_under_api_v1():
    assert reverse("products_api:product_list") == LIST_URL


def test_list_has_the_documented_shape(client, catalogue):
    data = get_json(client, LIST_URL, {"q": "dong son"})

    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 1
    item = data["results"][0]
    product = catalogue["valid4"]
    assert item["code"] == product.code
    assert item["name"] == "Nem chua Đông Sơn"
    assert item["slug"] == product.slug
    assert item["url"] == "http://testserver" + product.get_absolute_url()
    assert item["stars"] == 4
    assert item["is_demo"] is False
    assert item["group"] == {"code": "I.3", "name": "Thực phẩm chế biến"}
    assert item["producer"] == {"name": "Hộ kinh doanh Đỗ Văn Đức", "kind": "ho_kd", "is_demo": False}
    assert item["commune"] == {"code": product.commune.code, "name": product.commune.full_name}
    decision_date = days_ago(200)
    assert item["certificate"] == {
        "decision_no": product.evaluations.get().decision_no,
        "decision_date": decision_date.isoformat(),
        "valid_until": rules.certificate_valid_until(decision_date).isoformat(),
        "status": "valid",
        "expiring_soon": False,
    }


@pytest.mark.parametrize("query", ["status=all", "status=all&ordering=stars", "q=nem+chua", "status=revoked"])
def test_list_entries_are_the_serializers_representation(client, catalogue, query):
    """The list builds its entries from rows (``products.api.product_entries``), not through ProductSerializer,
    which stays the schema's and the detail's: both give the same JSON, for every status, demo or not, with a
    group or without."""
    for product in (
        make_product(name="Nem chua không nhóm", group=None, is_demo=True),
        make_product(name="Mật ong minh họa", producer=make_producer(is_demo=True)),
    ):
        make_recognition(product, stars=3, decision_date=days_ago(30))
    request = APIRequestFactory().get(LIST_URL)  # the test client's host
    products = CatalogueFilterSet(QueryDict(query)).qs[:PAGE_SIZE]
    serializer = ProductSerializer(products, many=True, context={"request": request})
    expected = json.loads(JSONRenderer().render(serializer.data))
    results = get_json(client, f"{LIST_URL}?{query}")["results"]
    assert results == expected and results
    assert [list(entry) for entry in results] == [list(entry) for entry in expected]  # the same order of keys


def test_list_defaults_to_valid_certificates_and_accepts_every_status(client, catalogue):
    assert get_json(client, LIST_URL)["count"] == 5
    assert get_json(client, LIST_URL, {"status": "all"})["count"] == len(LISTED)
    revoked = get_json(client, LIST_URL, {"status": "revoked"})["results"]
    assert [r["certificate"]["status"] for r in revoked] == ["revoked"]
    expiring = get_json(client, LIST_URL, {"q": "chieu coi"})["results"][0]["certificate"]
    assert (expiring["status"], expiring["expiring_soon"]) == ("valid", True)


def test_list_accepts_the_catalogue_filters(client, catalogue):
    p = catalogue["valid3"]
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

    results = get_json(client, LIST_URL, params)["results"]

    assert [r["slug"] for r in results] == [p.slug]


def test_latest_recognition_and_no_proposal_in_the_api(client, catalogue):
    results = {r["slug"]: r for r in get_json(client, LIST_URL, {"status": "all"})["results"]}

    assert results[catalogue["rerated"].slug]["stars"] == 3
    assert results[catalogue["proposed"].slug]["stars"] == 4
    for key in NEVER_LISTED:
        assert catalogue[key].slug not in results, key


def test_bad_filter_values_answer_400_with_a_message(client, catalogue):
    data = get_json(client, LIST_URL, {"stars": "9", "year": "abc"}, status=400)

    assert "stars" in data
    assert "year" in data
    assert "không hợp lệ" in get_json(client, LIST_URL, {"page": "99"}, status=400)["page"][0]
    assert get_json(client, LIST_URL, {"page": "abc"}, status=400).keys() == {"page"}


def test_unknown_parameters_are_ignored(client, catalogue):
    assert get_json(client, LIST_URL, {"colour": "red"})["count"] == 5


def test_a_five_thousand_character_query_is_an_empty_result(client, catalogue):
    assert get_json(client, LIST_URL, {"q": "y" * 5000})["count"] == 0


def test_detail_has_the_same_fields_plus_the_rating_history(client, catalogue):
    product = catalogue["rerated"]

    data = get_json(client, f"{LIST_URL}{product.slug}/")

    assert data["stars"] == 3
    assert data["url"] == "http://testserver" + product.get_absolute_url()
    assert [h["stars"] for h in data["history"]] == [3, 4]
    first = data["history"][0]
    assert first["decision_date"] == days_ago(50).isoformat()
    assert (first["score_a"], first["score_b"], first["score_c"], first["total"]) == (20, 15, 25, 60)
    assert first["level"] == "province"


def test_detail_of_a_product_outside_the_catalogue_is_404_like_an_unknown_one(client, catalogue):
    for key in NEVER_LISTED:
        assert get_json(client, f"{LIST_URL}{catalogue[key].slug}/", status=404) == NOT_IN_CATALOGUE, key


def test_detail_takes_a_constant_number_of_queries(client, catalogue, django_assert_num_queries):
    product = catalogue["rerated"]

    with django_assert_num_queries(2):
        data = get_json(client, f"{LIST_URL}{product.slug}/")

    assert (data["slug"], len(data["history"])) == (product.slug, 2)


def test_api_is_read_only(client, catalogue):
    response = client.post(LIST_URL, {})

    assert response.status_code == 405
    assert set(re.split(r",\s*", response["Allow"])) == {"GET", "HEAD", "OPTIONS"}
    assert get_json(client, LIST_URL)["count"] == 5  # nothing was added


def test_schema_describes_the_products_endpoints(client, catalogue):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/products/" in schema["paths"]
    assert "/api/v1/products/{slug}/" in schema["paths"]
    names = {p["name"] for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert {"q", "stars", "group", "commune", "district", "producer_kind", "year", "status", "ordering",
            "page"} <= names


# The API list: two queries (count and page) whatever the page size or data ------------------------------


def test_list_query_count_is_constant_in_page_size_and_data(client, db, django_assert_num_queries):
    # The facet summary's stamp (the unfiltered list's length comes from the summary once a write has committed;
    # in a test that never commits it is counted), the count, the page.
    make_many_products(3)
    with django_assert_num_queries(3):
        assert get_json(client, LIST_URL)["count"] == 3

    make_many_products(PAGE_SIZE * 2, start=3)
    with django_assert_num_queries(3):
        data = get_json(client, LIST_URL, {"ordering": "stars"})

    assert len(data["results"]) == PAGE_SIZE
    assert "ordering=stars" in data["next"]
    assert "page=2" in data["next"]


# Errors in Vietnamese -------------------------------------------------------------------------------------


def test_null_character_in_a_text_filter_is_refused_in_vietnamese(client, db):
    """django-filter's CharFilter runs Django's ProhibitNullCharactersValidator, whose message the
    interface must show in Vietnamese like every other error."""
    for param in ("q", "group", "commune", "district"):
        response = client.get(LIST_URL, {param: "a\x00b"})
        assert response.status_code == 400, param
        messages = response.json()[param]
        assert "Null characters are not allowed." not in messages, param
        assert "Không được chứa ký tự rỗng (null)." in messages, param
        assert all(re.search("[ạ-ỹđà-ý]", message) for message in messages), messages


def test_an_unknown_product_is_a_404_with_a_vietnamese_message(client, db):
    response = client.get("/api/v1/products/khong-co-san-pham-nay/")

    assert response.status_code == 404
    assert response.json() == NOT_IN_CATALOGUE
