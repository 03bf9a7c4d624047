"""The registry admin for units, producers, groups and products: query counts, search, inlines, export."""

import csv
import datetime
import io
import zipfile
from collections import Counter
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations.models import Evaluation
from ocop_registry.exports import safe_cell
from products.models import LegacySector, Producer, ProducerKind, Product, ProductGroup
from tests.factories import any_commune, legacy_commune, make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db

PRODUCTS = reverse("admin:products_product_changelist")


def get_ok(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response


def page(client, url, params=None):
    return get_ok(client, url, params).content.decode()


def results(response):
    return list(response.context["cl"].result_list)


# --- Query counts: a page of 100 rows costs the same queries as a page of a few -----------------------------


@pytest.fixture
def assert_constant(admin_client, django_assert_num_queries, django_assert_max_num_queries):
    def check(url, add_rows, max_queries=15):
        with django_assert_max_num_queries(max_queries) as few:
            get_ok(admin_client, url)
        add_rows()
        with django_assert_num_queries(len(few)):
            response = get_ok(admin_client, url)
        assert len(results(response)) >= 100

    return check


def test_units_changelists_pages_of_100_cost_the_same_as_the_last_page(
    admin_client, django_assert_num_queries, django_assert_max_num_queries
):
    # The 166 communes and the legacy units are loaded: compare a full page with the last one.
    for model in ("commune", "legacycommune", "legacydistrict"):
        url = reverse(f"admin:products_{model}_changelist")
        with django_assert_max_num_queries(15, info=model) as first:
            response = get_ok(admin_client, url)
        pages = response.context["cl"].paginator.num_pages
        with django_assert_num_queries(len(first), info=model):
            get_ok(admin_client, url, {"p": pages})


def test_producer_changelist(assert_constant):
    assert_constant(reverse("admin:products_producer_changelist"), lambda: [make_producer() for _ in range(100)])


def test_product_changelist(assert_constant):
    def rows():
        for n in range(100):
            legacy = legacy_commune("Nga Sơn", "Nga Thanh") if n % 10 == 0 else None
            product = make_product(legacy_commune=legacy) if legacy else make_product()
            if n % 3 == 0:
                make_recognition(product, stars=3)

    assert_constant(PRODUCTS, rows)


def test_group_and_sector_changelists(admin_client, django_assert_num_queries, django_assert_max_num_queries):
    urls = [reverse(f"admin:products_{model}_changelist") for model in ("productgroup", "legacysector")]
    few = []
    for url in urls:
        with django_assert_max_num_queries(15, info=url) as captured:
            get_ok(admin_client, url)
        few.append(len(captured))
    parent = ProductGroup.objects.get(code="I")
    for n in range(7, 107):
        group = ProductGroup.objects.create(code=f"I.{n}", name=f"Phân nhóm {n}", parent=parent, position=n)
        LegacySector.objects.create(name=f"Ngành {n}", group=group)
    for url, count in zip(urls, few, strict=True):
        with django_assert_num_queries(count, info=url):
            get_ok(admin_client, url)


# --- The product admin, as the coordination office uses it ------------------------------------------------------




def form_data(client, url, **fields):
    """A product page's form data (with its inlines' management forms), completed with ``fields``."""
    response = get_ok(client, url)
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
    data.update(fields)
    return data


@pytest.fixture
def registry():
    fish = make_product(name="Nước mắm Lê Gia", producer=make_producer(name="Công ty CP Lê Gia"))
    oil = make_product(name="Dầu lạc Hoằng Hoá")
    make_recognition(fish, stars=4)
    return SimpleNamespace(fish=fish, oil=oil)


def test_search_nuoc_mam_finds_nuoc_mam_and_dau_finds_dau(office_client, registry):
    assert results(get_ok(office_client, PRODUCTS, {"q": "nuoc mam"})) == [registry.fish]
    assert results(get_ok(office_client, PRODUCTS, {"q": "DAU"})) == [registry.oil]
    assert results(get_ok(office_client, PRODUCTS, {"q": registry.fish.code})) == [registry.fish]


def test_producer_and_commune_search_ignore_diacritics(office_client, registry):
    response = get_ok(office_client, reverse("admin:products_producer_changelist"), {"q": "le gia"})
    assert [p.name for p in results(response)] == ["Công ty CP Lê Gia"]
    response = get_ok(office_client, reverse("admin:products_commune_changelist"), {"q": "ham rong"})
    assert "Hàm Rồng" in [c.name for c in results(response)]
    response = get_ok(office_client, reverse("admin:products_productgroup_changelist"), {"q": "do uong"})
    assert "II" in [g.code for g in results(response)]


def test_commune_autocomplete_ignores_diacritics(office_client):
    response = office_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "products", "model_name": "product", "field_name": "commune", "term": "ham rong"},
    )
    assert "Phường Hàm Rồng" in [row["text"] for row in response.json()["results"]]


def test_product_page_has_evaluation_and_image_inlines(office_client, registry):
    html = page(office_client, reverse("admin:products_product_change", args=[registry.fish.pk]))
    assert 'id="evaluations-group"' in html
    assert 'id="images-group"' in html


def test_recognised_rows_in_the_inline_are_disabled(office_client, registry):
    response = office_client.get(reverse("admin:products_product_change", args=[registry.fish.pk]))
    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert form.fields["score_a"].disabled


def test_product_filters_by_current_stars_group_and_producer_kind(office_client, registry):
    for params, expected in (
        ({"sao": "4"}, [registry.fish]),
        ({"sao": "chua-co"}, [registry.oil]),
        ({"nhom": "I"}, [registry.fish, registry.oil]),
        ({"loai_chu_the": "tht"}, []),
    ):
        assert Counter(results(get_ok(office_client, PRODUCTS, params))) == Counter(expected), params


def test_product_csv_export_follows_filters(office_client, registry):
    response = office_client.get(reverse("admin:products_product_export_csv"), {"sao": "4"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    record = dict(zip(header, rows[0]))
    assert record["Tên sản phẩm"] == "Nước mắm Lê Gia"
    assert record["Hạng sao hiện tại"] == "4"
    assert record["Trạng thái công nhận"] == "Đã công nhận"


def test_every_changelist_offers_both_exports(office_client):
    for model in ("products_commune", "products_legacydistrict", "products_legacycommune", "products_producer",
                  "products_productgroup", "products_legacysector", "products_product",
                  "evaluations_evaluation", "evaluations_phase", "evaluations_target"):
        html = page(office_client, reverse(f"admin:{model}_changelist"))
        assert reverse(f"admin:{model}_export_xlsx") in html, model
        assert reverse(f"admin:{model}_export_csv") in html, model
        assert office_client.get(reverse(f"admin:{model}_export_xlsx")).status_code == 200, model


def test_adding_an_evaluation_on_the_product_page(office_client, registry):
    oil = registry.oil
    url = reverse("admin:products_product_change", args=[oil.pk])
    data = form_data(office_client, url, **{
        "name": oil.name, "producer": oil.producer_id, "group": oil.group_id,
        "commune": oil.commune_id, "is_published": "on", "description": "",
        "evaluations-TOTAL_FORMS": "1", "evaluations-INITIAL_FORMS": "0",
        "evaluations-0-evaluated_on": "02/03/2024", "evaluations-0-rule_set": "",
        "evaluations-0-level": "province", "evaluations-0-score_a": "30", "evaluations-0-score_b": "20",
        "evaluations-0-score_c": "25", "evaluations-0-product": oil.pk,
    })
    response = office_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    evaluation = Evaluation.objects.get(product=oil)
    assert (evaluation.total, evaluation.stars, evaluation.status) == (75, 4, "scored")


def test_producer_history_shows_who_changed_what(office_client, registry):
    producer = registry.oil.producer
    url = reverse("admin:products_producer_change", args=[producer.pk])
    data = {"name": "HTX Dầu lạc Hoằng Hoá", "kind": producer.kind, "commune": producer.commune_id,
            "address": "", "tax_code": "", "representative": "", "phone": "0912345678", "email": ""}
    assert office_client.post(url, data).status_code == 302
    html = page(office_client, reverse("admin:products_producer_history", args=[producer.pk]))
    assert "office" in html
    assert "HTX Dầu lạc Hoằng Hoá" in html
    assert "Nội dung thay đổi" in html


def test_a_product_added_in_the_admin_gets_its_slug_code_and_history_through_the_service(office_client):
    make_product(name="Chè lam Phủ Quảng")
    url = reverse("admin:products_product_add")
    data = form_data(office_client, url, name="Chè lam Phủ Quảng", producer=make_producer().pk,
                    commune=any_commune().pk, description="", is_published="on")
    response = office_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    product = Product.objects.get(slug="che-lam-phu-quang-2")
    assert product.code == Product.code_for(product.pk)
    created = product.history.get(history_type="+")
    assert (created.code, created.history_user.username) == (product.code, "office")


def test_a_producer_added_in_the_admin_gets_a_free_slug(office_client):
    make_producer(name="HTX Đồng Tâm")
    url = reverse("admin:products_producer_add")
    data = {"name": "HTX Dong Tam", "kind": ProducerKind.COOPERATIVE, "commune": any_commune().pk, "address": "",
            "tax_code": "", "representative": "", "phone": "", "email": "",
            "confirm_duplicate": "on"}  # the same folded name in the same commune: saved once confirmed
    assert office_client.post(url, data).status_code == 302
    producer = Producer.objects.get(name="HTX Dong Tam")
    assert producer.slug == "htx-dong-tam-2"
    assert producer.history.get(history_type="+").history_user.username == "office"


def test_site_header_is_vietnamese(office_client):
    assert "Quản trị OCOP Thanh Hóa" in page(office_client, reverse("admin:index"))


# --- Exports: text typed into the registry reaches a spreadsheet as text, never as a formula (CSV injection) --

PAYLOAD = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def producer_export(admin_client):
    make_producer(name=PAYLOAD, representative="+Lê Văn A", address="@SUM(A1:A9)")

    def export(fmt):
        response = admin_client.get(reverse(f"admin:products_producer_export_{fmt}"), {"q": "hyperlink"})
        assert response.status_code == 200
        return response.content

    return export


def sheet_xml(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_xlsx_export_stores_a_formula_like_name_as_plain_text(producer_export):
    content = producer_export("xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    cells = {cell.value: cell for cell in sheet[2]}
    name = cells[PAYLOAD]
    # The exact text, as a string cell marked "typed with a leading apostrophe": never a formula.
    assert name.data_type == "s"
    assert name.quotePrefix
    for text in ("+Lê Văn A", "@SUM(A1:A9)"):
        assert (cells[text].data_type, cells[text].quotePrefix) == ("s", True), text
    assert b"<f>" not in sheet_xml(content)


def test_csv_export_prefixes_formula_like_cells_with_an_apostrophe(producer_export):
    content = producer_export("csv").decode("utf-8-sig")
    _header, row = list(csv.reader(io.StringIO(content)))
    assert "'" + PAYLOAD in row
    assert "'+Lê Văn A" in row
    assert "'@SUM(A1:A9)" in row
    assert "Hợp tác xã" in row  # other text is untouched


def test_safe_cell_neutralises_only_text_that_a_spreadsheet_would_evaluate():
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    for value in ("Nước mắm", "", "1/QĐ-UBND", " =1", -1, 2.5, None):
        assert safe_cell(value) == value


# --- Guarding the record: messages on their field, likely duplicates, the code assigned on save -------------

PRODUCER_ADD = reverse("admin:products_producer_add")


def producer_form(**fields):
    data = {"name": "HTX Chè Lam Phủ Quảng", "kind": ProducerKind.COOPERATIVE, "commune": any_commune().pk,
            "address": "", "tax_code": "", "representative": "", "phone": "", "email": ""}
    data.update(fields)
    return data


def test_a_malformed_tax_code_and_phone_are_refused_on_their_fields_in_vietnamese(office_client):
    response = office_client.post(PRODUCER_ADD, producer_form(tax_code="12ab", phone="abc"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.errors) == {"tax_code", "phone"}
    assert form.non_field_errors() == []
    html = response.content.decode()
    assert "Constraint" not in html and "producer_tax_code_format" not in html
    assert "Hãy sửa lỗi dưới đây." in html
    assert not Producer.objects.filter(name="HTX Chè Lam Phủ Quảng").exists()


def test_a_likely_duplicate_producer_is_flagged_with_a_link_and_saved_only_when_confirmed(office_client):
    existing = make_producer(name="HTX Chè Lam Phủ Quảng", commune=any_commune())
    response = office_client.post(PRODUCER_ADD, producer_form(name="htx che lam phu quang"))
    assert response.status_code == 200
    message = response.context["adminform"].form.errors["name"][0]
    assert "đã có chủ thể cùng tên" in message
    link = reverse("admin:products_producer_change", args=[existing.pk])
    assert f'<a href="{link}">HTX Chè Lam Phủ Quảng</a>' in response.content.decode()
    assert 'type="checkbox" name="confirm_duplicate"' in response.content.decode()
    assert Producer.objects.count() == 1

    response = office_client.post(PRODUCER_ADD, producer_form(name="htx che lam phu quang", confirm_duplicate="on"))
    assert response.status_code == 302
    assert Producer.objects.count() == 2


def test_the_save_anyway_box_is_hidden_without_a_likely_duplicate(office_client, registry):
    html = page(office_client, PRODUCER_ADD)
    assert 'type="hidden" name="confirm_duplicate"' in html
    assert 'type="checkbox" name="confirm_duplicate"' not in html
    # Same name in another commune, or an edit that keeps the name: no warning.
    other = any_commune(code__gt=any_commune().code)
    make_producer(name="HTX Chè Lam Phủ Quảng", commune=other)
    assert office_client.post(PRODUCER_ADD, producer_form()).status_code == 302
    producer = Producer.objects.get(name="HTX Chè Lam Phủ Quảng", commune=any_commune())
    url = reverse("admin:products_producer_change", args=[producer.pk])
    assert office_client.post(url, producer_form(address="Thôn 2")).status_code == 302


def test_the_product_form_says_the_code_is_assigned_when_saved(office_client):
    html = page(office_client, reverse("admin:products_product_add"))
    assert "được cấp khi lưu" in html
    assert "OCOP-38-tmp" not in html
    product = make_product()
    html = page(office_client, reverse("admin:products_product_change", args=[product.pk]))
    assert product.code in html and "được cấp khi lưu" not in html


def test_products_filter_by_certificate_status(office_client):
    today = timezone.localdate()
    expiring = make_recognition(stars=3, decision_date=today.replace(year=today.year - 3) + datetime.timedelta(days=30))
    valid = make_recognition(stars=3, decision_date=today - datetime.timedelta(days=30))
    listed = results(get_ok(office_client, PRODUCTS, {"hieu_luc": "expiring"}))
    assert listed == [expiring.product]
    assert results(get_ok(office_client, PRODUCTS, {"hieu_luc": "valid"})) == [valid.product]
    assert len(results(get_ok(office_client, PRODUCTS, {"hieu_luc": "bogus"}))) == 2
