"""Benchmark: PostgreSQL restarts under load; the app recovers by itself (no gunicorn restart).

Run by hand, as root on the database machine (it restarts the local PostgreSQL cluster, which interrupts
every other user of it for a few seconds):

    .venv/bin/python bench/fault_db_restart.py [--database ocop_bench_fault] [--products 3000]
        [--clients 8] [--before 10] [--after 20] [--redis redis://127.0.0.1:6379/11]

Builds (or reuses) a PostgreSQL database with generated data, starts gunicorn as production runs it (DEBUG
off, gunicorn.conf.py, persistent connections with health checks: DATABASE_CONN_MAX_AGE 600), loads it with
public pages, API calls and the dashboard, restarts PostgreSQL (`pg_ctlcluster ... restart`) after
``--before`` seconds, and goes on for ``--after`` seconds once PostgreSQL accepts connections again.

Prints the errors before, during (from the restart command until `pg_isready` answers) and after the
restart. Errors after must be 0: exits non-zero otherwise.
"""

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

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
)


def cluster() -> tuple[str, str]:
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else 0)
    return versions[-1].name, "main"


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="ocop_bench_fault")
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--before", type=float, default=10, help="seconds of load before the restart")
    parser.add_argument("--after", type=float, default=20, help="seconds of load once PostgreSQL is back")
    parser.add_argument("--redis", default="", help="REDIS_URL for the servers (default: no Redis)")
    args = parser.parse_args()

    database_url = postgres_database(args.database, args.products)
    samples = sample_paths(database_url, 50)
    cookies = f"sessionid={official_session(database_url)}"
    if args.redis:
        redis.Redis.from_url(args.redis).flushdb()
    env = production_environment(database_url, collect_static(), redis_url=args.redis)
    paths = (
        ["/", "/san-pham/", "/api/v1/products/", "/api/v1/progress/"]
        + [f"/san-pham/{slug}/" for slug in samples["products"]]
        + [f"/api/v1/products/{slug}/" for slug in samples["products"]]
    )

    def choose(rng):
        if rng.random() < 0.1:
            return "/bang-dieu-khien/", True  # a signed-in official: the session is read from PostgreSQL
        return rng.choice(paths), False

    version, name = cluster()
    with gunicorn(env) as (base_url, process):
        assert request(base_url, "/bang-dieu-khien/", cookies)[0] == 200
        workers_before = sorted(int(p) for t in Path(f"/proc/{process.pid}/task").iterdir()
                                for p in (t / "children").read_text().split())
        print(f"gunicorn {base_url} (pid {process.pid}), PostgreSQL {version}/{name}, database {args.database}, "
              f"{args.clients} clients")
        stop = threading.Event()
        outcomes = []
        loader = threading.Thread(target=lambda: outcomes.extend(
            run_load(base_url, choose, clients=args.clients, seconds=3600, cookies=cookies, stop=stop)))
        loader.start()
        try:
            time.sleep(args.before)
            restart_started = time.monotonic()
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"], check=True)
            while not pg_ready():
                time.sleep(0.05)
            back = time.monotonic()
            print(f"PostgreSQL restarted: down window {back - restart_started:.2f} s "
                  f"(restart command until pg_isready answers)")
            time.sleep(args.after)
        finally:
            stop.set()
            loader.join()
            if not pg_ready():
                subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"])
        workers_after = sorted(int(p) for t in Path(f"/proc/{process.pid}/task").iterdir()
                               for p in (t / "children").read_text().split())

    # Before: answered before the restart began. After: sent once PostgreSQL accepted connections again.
    before, during, after = [], [], []
    for o in outcomes:
        (before if o.started + o.seconds < restart_started else after if o.started >= back else during).append(o)
    for label, group in (("before the restart", before), ("during the restart", during), ("after the restart", after)):
        print(f"{label:>20}: {summary(group)}")
        if any(o.failed for o in group):
            print(f"{'':>20}  {describe_failures(group)}")
    replaced = len(set(workers_before) - set(workers_after))
    print(f"gunicorn workers replaced meanwhile: {replaced} of {len(workers_before)} (max_requests recycling, "
          f"not crashes: the master was never restarted)")
    print(f"PostgreSQL up again: {pg_ready()}")
    errors_after = sum(o.failed for o in after)
    if errors_after or not after:
        print(f"FAIL: {errors_after} errors after PostgreSQL was back")
        sys.exit(1)
    print("OK: no error once PostgreSQL was back")


if __name__ == "__main__":
    main()
