"""Benchmark: does the catalogue's cold cost grow with the data? ``/san-pham/`` and a search, at 10,000 and
100,000 products, on PostgreSQL, with the public cache off (every request computes its answer).

Usage (databases ``ocop_growth_10000`` and ``ocop_growth_100000``, built once by generate_scale and reused; the
larger takes about three minutes to build; ``--prefix ocop_ratio_`` reuses ratio.sh's databases):

    .venv/bin/python bench/growth.py [--small 10000] [--large 100000] [--runs 15] [--prefix ocop_growth_]

For each page prints the median time of one request (in this process, through Django's test client: the view,
its SQL and the template, without the HTTP server) at each size, and the ratio large/small. The target
(issue 10) is a ratio of at most 2: ten times the data, not ten times the time.
"""

import argparse
import json
import subprocess
import sys

from appserver import base_environment, collect_static, postgres_database
from fresh_database import BASE_DIR

PAGES = ["/san-pham/", "/san-pham/?q=nuoc+mam", "/api/v1/products/", "/api/v1/products/?q=mat+ong&stars=4"]
TARGET = 2.0

MEASURE = """
import json, statistics, sys, time
import django
django.setup()
from django.test import Client
client, runs, result = Client(), int(sys.argv[1]), {}
for path in sys.argv[2:]:
    client.get(path)  # warm the process (imports, templates), not the data
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        status = client.get(path).status_code
        times.append(time.perf_counter() - started)
    assert status == 200, (path, status)
    result[path] = statistics.median(times) * 1000
print(json.dumps(result))
"""


def measure(database_url: str, runs: int, static_root: str) -> dict:
    env = {
        **base_environment(),
        "DJANGO_SETTINGS_MODULE": "ocop_registry.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "OCOP_PUBLIC_CACHE": "0",
        "STATIC_ROOT": static_root,
    }
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(runs), *PAGES], cwd=BASE_DIR, env=env, check=True,
        capture_output=True, text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--prefix", default="ocop_growth_", help="databases' name before the size (ratio.sh's: ocop_ratio_)")
    args = parser.parse_args()
    static_root = collect_static()
    costs = {
        n: measure(postgres_database(f"{args.prefix}{n}", n), args.runs, static_root) for n in (args.small, args.large)
    }
    print(f"{'page':40} {args.small:>10,} {args.large:>10,}   ratio (target ≤ {TARGET:g})")
    for path in PAGES:
        small, large = costs[args.small][path], costs[args.large][path]
        verdict = "ok" if large <= TARGET * small else "OVER"
        print(f"{path:40} {small:8.1f} ms {large:8.1f} ms   {large / small:5.2f}  {verdict}")


if __name__ == "__main__":
    main()
