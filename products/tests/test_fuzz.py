"""Property-based: random query strings at every public URL never give a server error.

A status below 500 is the whole property here: what each page shows for sensible input is tested in
test_views.py and test_api.py.
"""

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

PARAMS = ["q", "stars", "group", "commune", "district", "producer_kind", "year", "status", "ordering", "page"]

# Values that look like the real ones, edge cases, and anything at all (NUL, emoji, 5,000 characters…).
values = st.one_of(
    st.sampled_from(["", "0", "-1", "3", "4", "5", "99999999999999999999", "1e309", "NaN", "I", "I.3", "IV.99",
                     "valid", "all", "expired", "revoked", "newest", "stars", "name", "2024", "%00", "\x00",
                     "' OR 1=1 --", "đ", "Đ" * 300, "x" * 5000]),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)
pairs = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(max_size=10)), values), max_size=6)
raw_query = st.text(alphabet=st.characters(codec="ascii"), max_size=80)

# The examples of one test share its database savepoint and the catalogue: they only read (GET requests).
FUZZ = hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def public_urls(catalogue):
    product = catalogue["valid3"]
    return [
        reverse("products:home"),
        reverse("products:product_list"),
        reverse("products:product_csv"),
        product.get_absolute_url(),
        reverse("products:product_print", args=[product.slug]),
        product.producer.get_absolute_url(),
        reverse("products:commune_list"),
        product.commune.get_absolute_url(),
        reverse("products:help"),
        "/sitemap.xml",
        "/robots.txt",
        reverse("products_api:product_list"),
        reverse("products_api:product_detail", args=[product.slug]),
    ]


def assert_no_server_error(urls, query):
    client = Client()  # a fresh visitor for each example
    for url in urls:
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, f"{url}?{query[:200]}"


@FUZZ
@given(params=pairs)
def test_random_parameters_never_give_a_server_error(public_urls, params):
    assert_no_server_error(public_urls, urlencode(params))


@FUZZ
@given(query=raw_query)
def test_random_raw_query_strings_never_give_a_server_error(public_urls, query):
    assert_no_server_error(public_urls, query)


@pytest.mark.parametrize("query", [
    "q=" + "a" * 5000, "page=999999", "page=-1", "page=1.5", "stars=3&stars=abc", "q=%00", "commune=%00",
    "group=%00", "year=99999", "status=", "ordering=-name", "page=%00",
])
def test_known_hostile_inputs_never_give_a_server_error(public_urls, query):
    assert_no_server_error(public_urls, query)


@pytest.mark.parametrize("query", [
    "format=xml", "format=%00", "lang=xx", "lang=%00", "format=json&lang=en", "q=" + "b" * 5000,
])
def test_hostile_inputs_to_the_schema_never_give_a_server_error(client, db, query):
    # Generating the OpenAPI schema is slow; it reads only ``format`` and ``lang``, so it is not fuzzed.
    response = client.get(f"{reverse('products_api:schema')}?{query}")

    assert response.status_code < 500, query
