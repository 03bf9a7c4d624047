"""Catalogue search (``products/search.py``): typos forgiven, case and diacritics ignored, several words over
the product's, producer's and communes' names, ranking, odd queries, few SQL statements; the same answers on
SQLite and PostgreSQL (CI runs this module on both), and PostgreSQL's trigram indexes.

The corpus is the catalogue's test registry (``build_catalogue``): seven listed products, in the list's usual
order (newest decision first) Bánh gai Tứ Trụ, Nước mắm Hải Tiến, Mắm tôm Ngư Lộc, Nem chua Đông Sơn, Rượu men
lá, Chiếu cói Nga Sơn, Mật ong rừng Pù Luông. Nước mắm Hải Tiến is in the commune of Nga Sơn (Nga Thanh before
2025) and made by Công ty Cổ phần Hải Tiến; Nem chua Đông Sơn by Hộ kinh doanh Đỗ Văn Đức; the others in Hàm
Rồng, by "HTX Thử nghiệm <n>".
"""

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.signals import post_delete, post_save
from django.http import QueryDict
from django.urls import reverse

from products import search_names
from products.filters import CatalogueFilterSet
from products.models import Commune, LegacyCommune, Producer, Product
from products.search import (
    MAX_SIMILAR_WORDS,
    WORD_SIMILARITY_THRESHOLD,
    WordSimilar,
    WordSimilarity,
    necessary_substrings,
    search_products,
    word_similar,
    word_similarity,
)
from products.selectors import catalogue_products
from products.tests.test_views import count_queries
from tests.factories import make_producer, make_product

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm")


@pytest.fixture(autouse=True, params=["derived names", "names themselves"])
def search_path(request):
    """Every test twice: through the search's derived names (``products.search_names``), rebuilt after every write
    as a committed write rebuilds them, and through the names themselves (what a search reads while the derived
    ones are stale: in the other tests, whose writes never commit)."""
    if request.param == "names themselves":
        yield request.param
        return
    request.getfixturevalue("db")

    def rebuild(**kwargs):
        search_names.rebuild()

    senders = (Product, Producer, Commune, LegacyCommune)
    for sender in senders:
        post_save.connect(rebuild, sender=sender, weak=False)
        post_delete.connect(rebuild, sender=sender, weak=False)
    search_names.rebuild()
    yield request.param
    for sender in senders:
        post_save.disconnect(rebuild, sender=sender)
        post_delete.disconnect(rebuild, sender=sender)


def found(query: str, queryset=None) -> list:
    return [p.name for p in search_products(catalogue_products() if queryset is None else queryset, query)]


def ranked(query: str) -> list:
    return [(p.name, round(p.search_rank, 4)) for p in search_products(catalogue_products(), query)]


# Matching -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, name",
    [
        ("nuoc mma", "Nước mắm Hải Tiến"),  # two letters swapped
        ("banh gia", "Bánh gai Tứ Trụ"),
        ("mat ong rung pu luog", "Mật ong rừng Pù Luông"),  # a letter missing
        ("rou men la", "Rượu men lá"),
        ("chieu coii", "Chiếu cói Nga Sơn"),  # a letter too many
        ("Nuoc MMa", "Nước mắm Hải Tiến"),
    ],
)
def test_a_typo_still_finds_the_product(catalogue, query, name):
    assert found(query) == [name]


def test_a_right_word_beside_a_wrong_one_is_not_enough(catalogue):
    assert found("nuoc xyz") == []
    assert found("xyz nuoc") == []


def test_case_diacritics_and_d_with_stroke_are_ignored(catalogue):
    assert found("NƯỚC MẮM") == found("nuoc mam") == found("Nuoc Mam") == ["Nước mắm Hải Tiến"]
    assert found("ĐÔNG SƠN") == found("dong son") == ["Nem chua Đông Sơn"]


def test_every_word_is_found_in_any_order_and_any_of_the_names(catalogue):
    assert found("son nem") == ["Nem chua Đông Sơn"]
    # "nem" in the product's name, "do van duc" in the producer's
    assert found("nem do van duc") == ["Nem chua Đông Sơn"]
    assert found("son nem xyz") == []  # one word found nowhere, and too far from every name


def test_producer_and_commune_names_are_searched(catalogue):
    assert found("do van duc") == ["Nem chua Đông Sơn"]
    assert found("cong ty co phan hai tien") == ["Nước mắm Hải Tiến"]
    assert found("nga thanh") == ["Nước mắm Hải Tiến"]  # the commune as recorded before 2025
    assert "Nước mắm Hải Tiến" not in found("ham rong")
    assert len(found("ham rong")) == 6  # every other listed product is in Hàm Rồng
    assert set(found("ham rogn")) == set(found("ham rong"))  # the similarity reads the communes' names too


def test_similar_names_are_sought_only_when_the_words_are_found_nowhere(db):
    for name in ("Nước mắm cốt", "Nước mắn Hải Hòa"):  # the second misspelt in the register
        make_product(name=name)
    products = Product.objects.all()

    assert found("nuoc mam", products) == ["Nước mắm cốt"]  # similar to both; spelt as one
    assert found("nuoc man", products) == ["Nước mắn Hải Hòa"]
    assert found("nuoc mma", products)[0] == "Nước mắm cốt"  # found nowhere as typed: the most similar first


def test_a_product_outside_the_catalogue_is_not_found(catalogue):
    assert found("nuoc mam chua cong khai") == []
    assert "Nước mắm chưa công khai" in found("nuoc mam chua cong khai", Product.objects.all())


# Ranking ----------------------------------------------------------------------------------------------------


def test_results_are_ranked_by_similarity_to_the_product_name(catalogue):
    # Chiếu cói Nga Sơn is named after the query; Nước mắm Hải Tiến, decided later, is only in that commune.
    assert ranked("nga son") == [("Chiếu cói Nga Sơn", 1.0), ("Nước mắm Hải Tiến", 0.125)]


def test_equal_ranks_keep_the_lists_own_order(catalogue):
    assert ranked("mam") == [("Nước mắm Hải Tiến", 1.0), ("Mắm tôm Ngư Lộc", 1.0)]  # newest first
    by_name = search_products(catalogue_products().order_by("name_key", "pk"), "mam")
    assert [p.name for p in by_name] == ["Mắm tôm Ngư Lộc", "Nước mắm Hải Tiến"]


def test_an_explicit_ordering_replaces_the_ranking_but_not_the_filter(catalogue):
    results = search_products(catalogue_products(), "nga son").order_by("name_key")

    assert [p.name for p in results] == ["Chiếu cói Nga Sơn", "Nước mắm Hải Tiến"]
    assert [p.name for p in search_products(catalogue_products(), "nga son").order_by("-name_key")] == [
        "Nước mắm Hải Tiến", "Chiếu cói Nga Sơn"
    ]


def test_ranks_the_typo_and_the_producer_match_below_the_name_match(db):
    producer = make_producer(name="Cơ sở nước mắm Ba Làng")
    for name in ("Mắm tép Ba Làng", "Nước mắm cốt", "Nước mắm Hải Hòa", "Nước chấm"):
        make_product(name=name, producer=producer if name == "Mắm tép Ba Làng" else None)

    assert [(p.name, round(p.search_rank, 4)) for p in search_products(Product.objects.all(), "nuoc mam")] == [
        ("Nước mắm cốt", 1.0), ("Nước mắm Hải Hòa", 1.0), ("Mắm tép Ba Làng", 0.4444),
    ]
    assert [p.name for p in search_products(Product.objects.all(), "nuoc mma")] == [
        "Nước mắm cốt", "Nước mắm Hải Hòa", "Mắm tép Ba Làng",
    ]


# The same answers on both databases ----------------------------------------------------------------------

# Query → [(product, rank)] in order, over the catalogue corpus. CI runs this on SQLite and on PostgreSQL:
# the same list, in the same order, with the same ranks, on both.
EXPECTED = {
    "nuoc mma": [("Nước mắm Hải Tiến", 0.6667)],
    "nuoc mam": [("Nước mắm Hải Tiến", 1.0)],
    "mam": [("Nước mắm Hải Tiến", 1.0), ("Mắm tôm Ngư Lộc", 1.0)],
    "nem son": [("Nem chua Đông Sơn", 0.5)],
    "do van duc": [("Nem chua Đông Sơn", 0.2)],
    "banh gia": [("Bánh gai Tứ Trụ", 0.6667)],
    "mat ong rung pu luog": [("Mật ong rừng Pù Luông", 0.9)],
    "nga son": [("Chiếu cói Nga Sơn", 1.0), ("Nước mắm Hải Tiến", 0.125)],
    "nuoc mam hai tien cong ty": [("Nước mắm Hải Tiến", 0.72)],
    "ham rong": [
        ("Mật ong rừng Pù Luông", 0.3333), ("Nem chua Đông Sơn", 0.2222), ("Mắm tôm Ngư Lộc", 0.1111),
        ("Rượu men lá", 0.1111), ("Bánh gai Tứ Trụ", 0.0), ("Chiếu cói Nga Sơn", 0.0),
    ],
    "thu nghiem": [
        ("Mắm tôm Ngư Lộc", 0.2143), ("Chiếu cói Nga Sơn", 0.1818), ("Bánh gai Tứ Trụ", 0.0909),
        ("Rượu men lá", 0.0), ("Mật ong rừng Pù Luông", 0.0),
    ],
    "nuoc nuo": [("Nước mắm Hải Tiến", 0.8333)],
    "a": [
        ("Bánh gai Tứ Trụ", 0.0), ("Nước mắm Hải Tiến", 0.0), ("Mắm tôm Ngư Lộc", 0.0), ("Nem chua Đông Sơn", 0.0),
        ("Rượu men lá", 0.0), ("Chiếu cói Nga Sơn", 0.0), ("Mật ong rừng Pù Luông", 0.0),
    ],
    "xyz nuoc": [],
    "!!!": [],
}


@pytest.mark.parametrize("query", EXPECTED)
def test_the_same_results_in_the_same_order_on_either_database(catalogue, query):
    assert ranked(query) == EXPECTED[query]


def test_the_database_and_python_agree_on_each_name(catalogue):
    """The similarity and the operator as the database answers them (pg_trgm, or SQLite's pre-filter and the
    Python functions) against the Python functions, over every name of the four searched tables."""
    queries = ["nuoc mma", "nuoc mam", "ham rogn", "a", "hai tien", "mat ong rung pu luog", "thu nghiem 1", "!!!"]
    for model in (Product, Producer, Commune, LegacyCommune):
        names = dict(model.objects.values_list("pk", "name_key"))
        for query in queries:
            similar = model.objects.filter(WordSimilar(F("name_key"), Value(query)))
            assert set(similar.values_list("pk", flat=True)) == {
                pk for pk, name in names.items() if word_similar(query, name)
            }, (model.__name__, query)
            ranks = model.objects.annotate(rank=WordSimilarity(Value(query), F("name_key"))).values_list("pk", "rank")
            for pk, rank in ranks:  # PostgreSQL's real comes back as its shortest decimal: compare to 1e-7
                assert rank == pytest.approx(word_similarity(query, names[pk]), abs=1e-7), (query, names[pk])


# pg_trgm's numbers, as PostgreSQL 15 gives them (``SELECT word_similarity(…)``).
@pytest.mark.parametrize(
    "query, text, expected",
    [
        ("nuoc mma", "nuoc mam hai tien", 0.6666667),
        ("mma", "nuoc mam hai tien", 0.25),
        ("dong son", "chieu coi nga son", 0.44444445),
        ("ab", "xab abc", 1.0),
        ("banh gia", "banh gai tu tru", 0.6666667),
        ("ham rong", "mat ong rung pu luong", 0.33333334),
        ("chu the mo phong", "nem chua mo phong 872732-6961", 0.6315789),
        ("x²y", "x y", 1.0),  # "²" is no letter: two words, x and y
        ("ø ß", "øl ßa", 0.33333334),
        ("!!!", "abc", 0.0),
        ("a", "", 0.0),
    ],
)
def test_word_similarity_gives_pg_trgms_numbers(query, text, expected):
    assert word_similarity(query, text) == pytest.approx(expected, abs=1e-7)
    assert word_similar(query, text) == (expected >= WORD_SIMILARITY_THRESHOLD)


def test_the_sqlite_pre_filter_only_drops_names_that_cannot_be_similar():
    names = ["nuoc mam hai tien", "mam tom ngu loc", "nuoc cham", "banh gai tu tru", "mat ong rung pu luong",
             "nuoi ong", "ham rong", "a", "", "x-y", "nem chua dong son", "chieu coi nga son"]
    queries = ["nuoc mma", "nuoc mam", "ham rogn", "a", "ab", "mat ong rung pu luog", "x y", "nuoc"]
    for query in queries:
        pieces = necessary_substrings(query)
        for name in names:
            if word_similar(query, name):
                assert any(piece in name for piece in pieces), (query, name)


# Odd queries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_an_empty_query_changes_nothing(catalogue, query):
    queryset = catalogue_products()

    assert search_products(queryset, query) is queryset


@pytest.mark.parametrize(
    "query",
    ["%", "_", "\\", "'", '"', "%%nuoc%", "'; DROP TABLE products_product; --", "!!!", "🙂", "ø", "x²", "a" * 5000,
     "a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 " * 3, "nuoc\x00mam"],
)
def test_odd_queries_answer_without_error(catalogue, query):
    list(search_products(catalogue_products(), query))


def test_wildcards_are_plain_characters_and_nul_is_dropped(catalogue):
    assert found("%") == found("_") == []
    assert found("nuoc\x00 mam") == ["Nước mắm Hải Tiến"]


def test_a_query_of_many_words_needs_every_word_but_forgives_no_typo(catalogue):
    words = "nuoc mam hai tien cong ty co phan".split()
    assert len(words) > MAX_SIMILAR_WORDS
    assert found(" ".join(words)) == ["Nước mắm Hải Tiến"]
    assert found(" ".join(words[:MAX_SIMILAR_WORDS - 1] + ["xyz"])) == ["Nước mắm Hải Tiến"]  # similar enough
    assert found(" ".join(words + ["xyz"])) == []


# One statement --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, queries",
    # Whether the derived names are current (products.search_names), whether the words are found, then the
    # results; a query too long to forgive a typo asks no second question.
    [("", 1), ("nuoc mma", 3), ("ham rong", 3), ("nem do van duc", 3), ("a b c d e f g h i j k l", 2)],
)
def test_a_search_takes_at_most_three_statements_whatever_the_query(
    catalogue, django_assert_num_queries, query, queries
):
    with django_assert_num_queries(queries):
        list(search_products(catalogue_products(), query))


def test_the_list_page_takes_as_many_queries_with_a_search_as_without(client, catalogue):
    url = reverse("products:product_list")
    plain = count_queries(client, url)

    for query in ("nuoc mma", "ham rong", "nem do van duc"):
        # The plain list reads the facet summary's stamp (products.facet_summary); a search reads the derived
        # names' stamp and asks whether its words are found (products.search), and never reads the summary.
        assert count_queries(client, f"{url}?q={query}") == plain + 1, query


# Through the catalogue's FilterSet (HTML list, CSV and API) -----------------------------------------------


def test_the_catalogue_filter_forgives_a_typo_and_ranks_without_an_ordering(catalogue):
    def names(query):
        return [p.name for p in CatalogueFilterSet(QueryDict(query)).qs]

    assert names("q=nuoc+mma") == ["Nước mắm Hải Tiến"]
    assert names("q=nga+son&status=all") == ["Chiếu cói Nga Sơn", "Nước mắm Hải Tiến"]
    assert names("q=nga+son&status=all&ordering=newest") == ["Nước mắm Hải Tiến", "Chiếu cói Nga Sơn"]


def test_the_api_forgives_a_typo(client, catalogue):
    data = client.get("/api/v1/products/", {"q": "banh gia"}).json()

    assert [r["name"] for r in data["results"]] == ["Bánh gai Tứ Trụ"]


# PostgreSQL: pg_trgm and its indexes ----------------------------------------------------------------------


@on_postgresql
def test_the_folded_names_have_trigram_indexes(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%'")
        indexed = {table for table, definition in cursor.fetchall() if "(name_key gin_trgm_ops)" in definition}

    assert indexed == {"products_product", "products_producer", "products_commune", "products_legacycommune"}


@on_postgresql
def test_the_search_can_read_the_trigram_indexes(catalogue):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test corpus is too small to need an index
    plan = search_products(catalogue_products(), "nuoc mma").explain()

    assert "Bitmap Index Scan on products_product_name_key_trgm" in plan
    assert "Bitmap Index Scan on products_producer_name_key_trgm" in plan


@on_postgresql
def test_the_servers_threshold_is_the_one_sqlite_uses(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT word_similarity('a', 'a')")  # loads pg_trgm's settings into the session
        cursor.execute("SELECT current_setting('pg_trgm.word_similarity_threshold')")
        assert float(cursor.fetchone()[0]) == WORD_SIMILARITY_THRESHOLD
