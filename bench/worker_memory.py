"""Benchmark: does a gunicorn worker's memory stay flat? Its resident size after 1,000 requests and after
20,000, on PostgreSQL, with the public cache off (every request computes its answer, through every code path
the public reaches: catalogue pages with filters and searches, product, producer and commune pages, the API).

Usage (the database ``ocop_memory_20000`` is built once by generate_scale and reused):

    .venv/bin/python bench/worker_memory.py [--products 20000] [--requests 20000] [--baseline 1000]

One sync worker (recycling off, so that the same process is measured throughout), two client connections.
Prints the worker's RSS at the baseline and at the end, and the growth; the target (issue 10) is at most 20 MB.
The paths are spread over 200 products, producers and communes and varied filters and searches, so that any
per-path memo (the QR codes', the compiled templates, the search's trigram sets) fills up as in production.
"""

import argparse
import http.client
import itertools
import random
import threading

from appserver import (
    collect_static,
    gunicorn,
    postgres_database,
    production_environment,
    rss_mb,
    sample_paths,
    worker_pids,
)

TARGET_MB = 20
SEARCHES = ["nuoc mam", "mat ong", "banh", "che", "gao", "ruou", "nuoc mma", "mat ogn", "thanh hoa", "ha trung"]


def paths(samples: dict, rng: random.Random):
    """An endless, varied sequence of public paths."""
    products, producers, communes = samples["products"], samples["producers"], samples["communes"]
    makers = [
        lambda: f"/san-pham/{rng.choice(products)}/",
        lambda: f"/chu-the/{rng.choice(producers)}/",
        lambda: f"/xa-phuong/{rng.choice(communes)}/",
        lambda: f"/san-pham/?stars={rng.choice([3, 4, 5])}&page={rng.randint(1, 5)}",
        lambda: f"/san-pham/?q={rng.choice(SEARCHES).replace(' ', '+')}",
        lambda: f"/api/v1/products/?q={rng.choice(SEARCHES).replace(' ', '+')}&page={rng.randint(1, 3)}",
        lambda: f"/api/v1/products/{rng.choice(products)}/",
        lambda: "/",
        lambda: "/san-pham/",
        lambda: "/api/v1/progress/",
    ]
    # Mostly the cheap pages, as visitors read them; the lists and searches (the dearest, 0.1–0.4 s cold) less
    # often, so that 20,000 requests take about twenty minutes on one worker.
    weights = [4, 2, 2, 1, 1, 1, 2, 1, 1, 1]
    while True:
        yield rng.choices(makers, weights)[0]()


def send(base_url: str, path_source, count: int):
    """``count`` requests over two keep-alive connections; the paths taken from ``path_source``."""
    lock = threading.Lock()
    remaining = itertools.count()
    host, port = base_url.removeprefix("http://").split(":")
    failures = []

    def client():
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        while next(remaining) < count:
            with lock:
                path = next(path_source)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 404):
                failures.append((path, response.status))
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, e.g. {failures[:3]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--database", help="PostgreSQL database to use (default ocop_memory_<products>)")
    args = parser.parse_args()
    database_url = postgres_database(args.database or f"ocop_memory_{args.products}", args.products)
    env = production_environment(
        database_url, collect_static(), OCOP_PUBLIC_CACHE="0", DATABASE_CONN_MAX_AGE="60",
        GUNICORN_MAX_REQUESTS="0",
    )
    source = paths(sample_paths(database_url), random.Random(2019))
    with gunicorn(env, workers=1) as (base_url, process):
        [worker] = worker_pids(process.pid)
        send(base_url, source, args.baseline)
        baseline = rss_mb(worker)
        print(f"after {args.baseline:,} requests: {baseline:.1f} MB")
        send(base_url, source, args.requests - args.baseline)
        assert worker_pids(process.pid) == [worker], "the worker was replaced: recycling must be off"
        final = rss_mb(worker)
    growth = final - baseline
    print(f"after {args.requests:,} requests: {final:.1f} MB")
    print(f"growth {growth:+.1f} MB (target ≤ {TARGET_MB} MB): {'ok' if growth <= TARGET_MB else 'OVER'}")


if __name__ == "__main__":
    main()
