"""Benchmark: 50 concurrent clients for 60 s over public pages, API calls and the dashboard, on PostgreSQL
with 20,000 products, gunicorn as production runs it (gunicorn.conf.py, DEBUG off) and the Redis cache.

Run by hand (PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379; the database is built once with
generate_scale and reused):

    .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--products 20000]
        [--database ocop_bench_load] [--redis redis://127.0.0.1:6379/14] [--workers N]

Prints requests per second, p50 and p99 latency, the error count (any answer but 200, or none; target 0)
and the RSS of gunicorn's workers at the start and the end. Exits non-zero on any error.
"""

import argparse
import os
import sys
import time

import redis
from appserver import (
    collect_static,
    describe_failures,
    gunicorn,
    official_session,
    postgres_database,
    production_environment,
    request,
    run_load,
    sample_paths,
    summary,
    workers_rss,
)

# The mix, by weight: what visitors, open-data users and officials do.
MIX = [
    (20, "home"),
    (20, "product"),
    (15, "list"),
    (8, "list_filtered"),
    (5, "producer"),
    (5, "commune"),
    (10, "api_products"),
    (5, "api_product"),
    (7, "api_progress"),
    (5, "dashboard"),
]


def path_chooser(samples):
    """A function (rng) -> (path, needs an official's session), drawing each kind of request by its weight."""
    paths = {
        "home": lambda rng: "/",
        "product": lambda rng: f"/san-pham/{rng.choice(samples['products'])}/",
        "list": lambda rng: f"/san-pham/?page={rng.randint(1, 50)}",
        "list_filtered": lambda rng: f"/san-pham/?stars={rng.randint(3, 5)}&page={rng.randint(1, 3)}",
        "producer": lambda rng: f"/chu-the/{rng.choice(samples['producers'])}/",
        "commune": lambda rng: f"/xa-phuong/{rng.choice(samples['communes'])}/",
        "api_products": lambda rng: f"/api/v1/products/?page={rng.randint(1, 50)}",
        "api_product": lambda rng: f"/api/v1/products/{rng.choice(samples['products'])}/",
        "api_progress": lambda rng: "/api/v1/progress/",
        "dashboard": lambda rng: "/bang-dieu-khien/",
    }
    kinds = [kind for weight, kind in MIX for _ in range(weight)]

    def choose(rng):
        kind = rng.choice(kinds)
        return paths[kind](rng), kind == "dashboard"

    return choose


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--database", default="ocop_bench_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    args = parser.parse_args()

    database_url = postgres_database(args.database, args.products)
    samples = sample_paths(database_url)
    cookies = f"sessionid={official_session(database_url)}"
    redis.Redis.from_url(args.redis).flushdb()  # start cold: the first requests compute and cache
    env = production_environment(database_url, collect_static(), redis_url=args.redis)
    choose = path_chooser(samples)

    with gunicorn(env, workers=args.workers) as (base_url, process):
        for path, signed_in in [("/", False), ("/bang-dieu-khien/", True), ("/api/v1/progress/", False)]:
            status = request(base_url, path, cookies if signed_in else "")[0]
            assert status == 200, f"{path}: {status}"
        time.sleep(1)
        rss_start = workers_rss(process.pid)
        print(f"gunicorn at {base_url}, {args.products:,} products on PostgreSQL, cache {args.redis}")
        print(f"worker RSS at start: {rss_start}; machine load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs (clients and servers share them)")
        outcomes = run_load(base_url, choose, clients=args.clients, seconds=args.seconds, cookies=cookies)
        rss_end = workers_rss(process.pid)

    print(f"{args.clients} clients for {args.seconds:.0f} s: {summary(outcomes)}")
    by_kind = {}
    for outcome in outcomes:
        kind = outcome.path.split("?")[0].strip("/").split("/")[0] or "home"
        if outcome.path.startswith("/api/"):
            kind = "api/" + outcome.path.split("/")[3]
        by_kind.setdefault(kind, []).append(outcome)
    for kind, group in sorted(by_kind.items()):
        print(f"  {kind:>16}: {summary(group)}")
    print(f"worker RSS at end:   {rss_end}; machine load average {os.getloadavg()[0]:.1f}")
    failures = [o for o in outcomes if o.failed]
    if failures:
        print(f"ERRORS: {describe_failures(failures)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
