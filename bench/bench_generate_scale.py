"""Benchmark: `generate_scale --products 20000` on a fresh database (target: under two minutes).

Run by hand: .venv/bin/python bench/bench_generate_scale.py [--products N]
Uses DATABASE_URL if set (PostgreSQL), otherwise a throw-away SQLite file in /tmp.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    options = parser.parse_args()
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        path = Path("/tmp/ocop_bench_scale.sqlite3")
        path.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    manage("migrate", "--noinput", env=env)
    manage("load_communes", env=env)
    started = time.perf_counter()
    manage("generate_scale", "--products", str(options.products), env=env)
    elapsed = time.perf_counter() - started
    print(f"generate_scale --products {options.products}: {elapsed:.1f} s "
          f"({options.products / elapsed:,.0f} products/s) on {env['DATABASE_URL'].split(':')[0]}")


if __name__ == "__main__":
    main()
