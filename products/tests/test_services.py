"""Creating producers and products (``products.services``): slugs, codes and history, one at a time and in bulk."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from products.models import PROVISIONAL_CODE_PREFIX, Producer, ProducerKind, Product
from products.services import (
    producer_create,
    producers_bulk_create,
    product_create,
    products_bulk_create,
    slug_claim,
)
from tests.factories import any_commune, make_producer

pytestmark = pytest.mark.django_db


def new_product(name, producer=None, **fields):
    """An unsaved product, as the bulk writers build them."""
    producer = producer or make_producer()
    return Product(name=name, producer=producer, commune=producer.commune, **fields)


def new_producer(name):
    return Producer(name=name, kind=ProducerKind.COOPERATIVE, commune=any_commune())


def created_entry(product):
    return Product.history.get(id=product.pk, history_type="+")


# --- Slugs ---------------------------------------------------------------------------------------------------


def test_slug_claim_takes_the_first_free_numbered_slug_and_claims_it():
    taken = {"nuoc-mam", "nuoc-mam-2", "nuoc-mam-4"}
    assert slug_claim("Nước  MẮM", taken=taken) == "nuoc-mam-3"
    assert slug_claim("nuoc mam", taken=taken) == "nuoc-mam-5"
    assert slug_claim("Chè lam", taken=taken) == "che-lam"
    assert {"nuoc-mam-3", "nuoc-mam-5", "che-lam"} <= taken
    assert slug_claim("★★★", taken=set()) == "san-pham"
    assert len(slug_claim("a" * 300, taken=set())) == 240


def test_one_product_at_a_time_gets_nuoc_mam_then_nuoc_mam_2():
    product_create(name="Nước mắm Lê Gia", producer=make_producer(), commune=any_commune())
    slugs = [
        product_create(name=name, producer=make_producer(), commune=any_commune()).slug
        for name in ("Nước mắm", "NƯỚC MẮM", "nuoc mam")
    ]
    assert slugs == ["nuoc-mam", "nuoc-mam-2", "nuoc-mam-3"]


def test_a_batch_of_products_claims_slugs_against_the_table_and_against_itself():
    product_create(name="Nước mắm", producer=make_producer(), commune=any_commune())
    products = products_bulk_create(products=[new_product("Nước mắm"), new_product("NƯỚC MẮM"), new_product("Chè lam")])
    assert [p.slug for p in products] == ["nuoc-mam-2", "nuoc-mam-3", "che-lam"]
    assert [p.slug for p in Product.objects.filter(pk__in=[p.pk for p in products]).order_by("pk")] == [
        "nuoc-mam-2", "nuoc-mam-3", "che-lam"
    ]


def test_producers_get_free_slugs_one_at_a_time_and_in_bulk():
    first = producer_create(name="HTX Đồng Tâm", kind=ProducerKind.COOPERATIVE, commune=any_commune())
    second = producer_create(name="HTX Dong Tam", kind=ProducerKind.COOPERATIVE, commune=any_commune())
    batch = producers_bulk_create(producers=[new_producer("htx đồng tâm"), new_producer("Tổ hợp tác Mây")])
    assert [first.slug, second.slug] == ["htx-dong-tam", "htx-dong-tam-2"]
    assert [p.slug for p in batch] == ["htx-dong-tam-3", "to-hop-tac-may"]
    assert [p.name_key for p in batch] == ["htx dong tam", "to hop tac may"]
    assert Producer.history.filter(id__in=[p.pk for p in batch], history_type="+").count() == 2


# --- Codes and the audit trail ----------------------------------------------------------------------------------


def test_a_product_is_numbered_by_its_key_and_its_created_entry_carries_that_code():
    product = product_create(name="Chè lam Phủ Quảng", producer=make_producer(), commune=any_commune())
    product.refresh_from_db()
    assert product.code == Product.code_for(product.pk) == f"OCOP-38-{product.pk:06d}"
    assert created_entry(product).code == product.code
    assert not Product.history.filter(code__startswith=PROVISIONAL_CODE_PREFIX).exists()


def test_a_batch_is_numbered_by_key_and_its_created_entries_carry_the_codes():
    products = products_bulk_create(products=[new_product(f"Sản phẩm {n}") for n in range(5)], history_reason="Nhập")
    for product in products:
        assert Product.objects.get(pk=product.pk).code == product.code == Product.code_for(product.pk)
        entry = created_entry(product)
        assert (entry.code, entry.history_change_reason) == (product.code, "Nhập")
    assert not Product.objects.filter(code__startswith=PROVISIONAL_CODE_PREFIX).exists()


def test_codes_past_999999_are_not_cut():
    products = products_bulk_create(products=[new_product("Nhỏ"), new_product("Lớn", pk=1_234_567)])
    assert [Product.objects.get(pk=p.pk).code for p in products] == [
        Product.code_for(products[0].pk), "OCOP-38-1234567"
    ]


def test_numbering_a_batch_leaves_other_products_codes_alone():
    before = product_create(name="Có sẵn", producer=make_producer(), commune=any_commune())
    products_bulk_create(products=[new_product("Mới 1"), new_product("Mới 2")])
    before_code = Product.objects.get(pk=before.pk).code
    assert before_code == before.code == Product.code_for(before.pk)


def test_synthetic_rows_can_skip_the_audit_trail():
    products = products_bulk_create(products=[new_product("Mô phỏng")], record_history=False)
    assert not Product.history.filter(id=products[0].pk).exists()
    assert products[0].code == Product.code_for(products[0].pk)


def test_product_create_validates_first():
    producer = make_producer()
    product_create(name="Mật ong rừng", producer=producer, commune=any_commune())
    with pytest.raises(ValidationError) as error:
        product_create(name="MAT ONG  rung", producer=producer, commune=any_commune())
    assert "name" in error.value.message_dict
    assert Product.objects.filter(producer=producer).count() == 1


# --- The bulk path writes what the single path writes --------------------------------------------------------


def written(products):
    """What a product write leaves behind, as numbers-free facts."""
    return [
        (p.name, p.name_key, p.slug, p.code == Product.code_for(p.pk), created_entry(p).code == p.code,
         created_entry(p).slug)
        for p in Product.objects.filter(pk__in=[p.pk for p in products]).order_by("pk")
    ]


def test_the_bulk_path_writes_what_the_single_path_writes():
    producers = [make_producer() for _ in range(4)]
    product_create(name="Nước mắm", producer=make_producer(), commune=any_commune())
    names = ["Nước mắm", "Chè  LAM", "nuoc mam", "★"]

    with transaction.atomic():
        one_by_one = written([
            product_create(name=name, producer=producer, commune=producer.commune)
            for name, producer in zip(names, producers, strict=True)
        ])
        transaction.set_rollback(True)
    with transaction.atomic():
        in_bulk = written(products_bulk_create(
            products=[new_product(name, producer) for name, producer in zip(names, producers, strict=True)]
        ))
        transaction.set_rollback(True)

    assert in_bulk == one_by_one == [
        ("Nước mắm", "nuoc mam", "nuoc-mam-2", True, True, "nuoc-mam-2"),
        ("Chè  LAM", "che lam", "che-lam", True, True, "che-lam"),
        ("nuoc mam", "nuoc mam", "nuoc-mam-3", True, True, "nuoc-mam-3"),
        ("★", "★", "san-pham", True, True, "san-pham"),
    ]


# --- Query counts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3, 40])
def test_a_batch_of_products_costs_four_queries_whatever_its_size(rows, django_assert_num_queries):
    producer = make_producer()
    products = [new_product(f"Sản phẩm {n}", producer) for n in range(rows)]
    # Slugs taken, the rows, their numbering, their history entries (inside the caller's transaction: no savepoint).
    with django_assert_num_queries(4):
        products_bulk_create(products=products)


def test_a_batch_without_history_costs_three_queries(django_assert_num_queries):
    producer = make_producer()
    with django_assert_num_queries(3):
        products_bulk_create(products=[new_product(f"Sản phẩm {n}", producer) for n in range(20)], record_history=False)


@pytest.mark.parametrize("rows", [1, 40])
def test_a_batch_of_producers_costs_three_queries_whatever_its_size(rows, django_assert_num_queries):
    producers = [new_producer(f"Chủ thể {n}") for n in range(rows)]
    with django_assert_num_queries(3):  # slugs taken, the rows, their history entries
        producers_bulk_create(producers=producers)


def test_an_empty_batch_costs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert products_bulk_create(products=[]) == []
        assert producers_bulk_create(producers=[]) == []
