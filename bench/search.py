"""Benchmark: catalogue text search (``products/search.py``) at N products, on SQLite or PostgreSQL.

Usage (a separate database, built once and reused):

    DATABASE_URL=sqlite:////tmp/search20k.sqlite3 .venv/bin/python bench/search.py [--products 20000] [--runs 7]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/search20k .venv/bin/python bench/search.py

Builds the database when it has fewer products than asked (migrate, load_communes, generate_scale
--products N). For each query prints the median and best time of: the search itself (first page of 24 and
the count, as a list page reads them) and the public list page and API list with ``q`` (everything those
requests do: results, count, facets; the shared cache cleared before each request). Also the number of SQL
statements of the page, which must not depend on the query.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocop_registry.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/search20k.sqlite3")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from fresh_database import ensure_data  # noqa: E402

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

QUERIES = [
    ("", "no search"),
    ("nuoc mam", "words"),
    ("nuoc mma", "typo"),
    ("ham rong", "a commune"),
    ("mat ong rung pu luog", "long, with a typo"),
    ("a", "one letter"),
    ("x" * 100, "100 characters"),
]




def timed(action, runs: int):
    action()  # warm up: imports, connections, the SQLite functions
    times = []
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    count = ensure_data(args.products)

    from products.search import search_products
    from products.selectors import catalogue_products

    client = Client()
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor}), {count} products")
    for query, label in QUERIES:

        def search(query=query):
            queryset = search_products(catalogue_products(), query)
            return list(queryset[:24]), queryset.count()

        rows, matched = search()
        search_median, search_best = timed(search, args.runs)

        def page(query=query):
            response = client.get("/san-pham/", {"q": query})
            assert response.status_code == 200, response.status_code

        def api(query=query):
            response = client.get("/api/v1/products/", {"q": query})
            assert response.status_code == 200, response.status_code

        page_median, page_best = timed(page, args.runs)
        api_median, api_best = timed(api, args.runs)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            page()
        print(
            f"{label:18s} {matched:6d} found  search {search_median:7.1f} ms (best {search_best:7.1f})  "
            f"page {page_median:7.1f} ms (best {page_best:7.1f}, {len(ctx)} queries)  "
            f"API {api_median:7.1f} ms (best {api_best:7.1f})"
        )


if __name__ == "__main__":
    main()
