"""The search's derived names (``products.search_names``): one row a product, kept true by a rebuild after every
committed write, read only while current, and on PostgreSQL through a trigram index. The search's answers through
them and through the names themselves are compared in ``test_search.py`` (every test there runs both ways)."""

import pytest
from django.db import connection

from ocop_registry import data_version
from products import search_names
from products.models import DerivedDataVersion, ProductSearchNames
from products.search import search_products
from products.selectors import catalogue_products
from tests.factories import make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db


def names_of(product) -> str:
    return ProductSearchNames.objects.get(product_id=product.pk).names


def test_a_row_holds_the_products_names_one_a_line():
    product = make_product(name="Nước mắm Hải Tiến", producer=make_producer(name="Công ty Hải Tiến"))
    search_names.rebuild()

    lines = names_of(product).split("\n")
    assert lines[:2] == ["nuoc mam hai tien", "cong ty hai tien"]
    assert lines[2] == product.commune.name_key
    assert lines[3] == (product.legacy_commune.name_key if product.legacy_commune else "")


def test_a_rebuild_follows_renames_and_deletions():
    product, other = make_product(name="Mật ong"), make_product(name="Chè xanh")
    search_names.rebuild()
    producer = product.producer
    producer.name = "HTX Ong Pù Luông"
    producer.save()
    other.delete()
    search_names.rebuild()

    assert "htx ong pu luong" in names_of(product).split("\n")
    assert not ProductSearchNames.objects.filter(product_id=other.pk).exists()
    assert DerivedDataVersion.objects.get(name=search_names.NAME).version == data_version.current()


def test_stale_names_are_never_read(django_assert_num_queries):
    make_product(name="Mật ong")
    assert search_names.matching(["mat"]) is None  # never built: the search tests the names themselves
    search_names.rebuild()
    assert list(search_names.matching(["mat", "ong"])) != []
    DerivedDataVersion.objects.filter(name=search_names.NAME).update(version=0)  # built for another version
    with django_assert_num_queries(1):  # the stamp; inside a transaction a reader never rebuilds
        assert search_names.matching(["mat"]) is None


def test_a_committed_write_rebuilds_the_names(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = make_product(name="Bánh gai Tứ Trụ")
        make_recognition(product, stars=4)
    assert DerivedDataVersion.objects.get(name=search_names.NAME).version == data_version.current()
    assert [p.name for p in search_products(catalogue_products(), "banh gai")] == ["Bánh gai Tứ Trụ"]
    assert search_names.matching(["banh", "gai"]) is not None  # answered through the derived names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm")
def test_postgresql_reads_the_names_from_a_trigram_index_written_through():
    for name in ("Nước mắm Hải Tiến", "Mắm tôm Ngư Lộc", "Chè xanh"):
        make_recognition(make_product(name=name), stars=3)
    search_names.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'products_productsearchnames_trgm'")
        assert "gin_trgm_ops" in cursor.fetchone()[0]
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'products_productsearchnames_trgm'")
        assert cursor.fetchone()[0] == ["fastupdate=off"]  # no pending list for searches to read through
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows need no index; the plan must be able to
    plan = search_products(catalogue_products(), "nuoc mam").explain()
    assert "Bitmap Index Scan on products_productsearchnames_trgm" in plan
    assert "(id = ANY ($0))" in plan  # the products picked by their ids (search.AmongIds), not by a semi-join
