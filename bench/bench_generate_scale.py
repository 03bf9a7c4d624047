"""Benchmark: `generate_scale --products 20000` on a fresh database (target: under two minutes).

Run by hand: .venv/bin/python bench/bench_generate_scale.py [--products N]
Uses DATABASE_URL if set (PostgreSQL), otherwise a throw-away SQLite file in /tmp.
"""

import argparse
import time

from fresh_database import fresh_database, manage


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    options = parser.parse_args()
    env = fresh_database("ocop_bench_scale.sqlite3")
    started = time.perf_counter()
    manage("generate_scale", "--products", str(options.products), env=env)
    elapsed = time.perf_counter() - started
    print(f"generate_scale --products {options.products}: {elapsed:.1f} s "
          f"({options.products / elapsed:,.0f} products/s) on {env['DATABASE_URL'].split(':')[0]}")


if __name__ == "__main__":
    main()
