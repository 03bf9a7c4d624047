"""Benchmark: the officials' dashboard and the progress API with 20,000 products.

Usage (a separate SQLite file, built once and reused):

    DATABASE_URL=sqlite:////tmp/ocop_bench.sqlite3 .venv/bin/python bench/bench_dashboard.py [--products 20000] [--runs 7]

Builds the database when it has fewer products than asked (migrate, load_communes,
generate_scale --products N), then prints the median and best time of several runs of the
rendered dashboard page (as an official) and of GET /api/v1/progress/, both "cold" (figures
computed afresh, as after any change to the data) and "warm" (figures for the date already cached
and the data unchanged). Targets: dashboard < 300 ms, API < 100 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocop_registry.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/ocop_bench.sqlite3")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from fresh_database import ensure_data  # noqa: E402

from django.contrib.auth.models import Permission, User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402




def timed(client, url, runs, *, cold):
    """Median and best time of ``runs`` requests. Cold: the cached figures are dropped before each
    request, as after any change to the data; warm: the figures for the date are already cached."""
    client.get(url)  # warm up the process (imports, templates, connections)
    times = []
    for _ in range(runs):
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return statistics.median(times), min(times), len(ctx)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--as-of", default="")
    args = parser.parse_args()
    count = ensure_data(args.products)
    user, _ = User.objects.get_or_create(username="bench-official")
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations"))
    official = Client()
    official.force_login(user)
    query = f"?as_of={args.as_of}" if args.as_of else ""
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor}), {count} products")
    for label, client, url, target in (
        ("dashboard", official, f"/bang-dieu-khien/{query}", 300),
        ("progress API", Client(), f"/api/v1/progress/{query}", 100),
    ):
        for state in ("cold", "warm"):
            median, best, queries = timed(client, url, args.runs, cold=state == "cold")
            verdict = "OK" if median < target else "OVER TARGET"
            print(f"{label:13s} {state}  median {median:7.1f} ms  best {best:7.1f} ms  queries {queries:2d}  "
                  f"(target < {target} ms: {verdict})")


if __name__ == "__main__":
    main()
