"""Shared by the benchmarks that start from an empty database."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def manage(*args, env, quiet=True):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def fresh_database(sqlite_name: str) -> dict:
    """An environment whose database is migrated and holds Thanh Hóa's units and nothing else.

    DATABASE_URL, when set, names it (give a throw-away PostgreSQL database); otherwise a new SQLite
    file /tmp/<sqlite_name> is used.
    """
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        path = Path("/tmp") / sqlite_name
        path.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    manage("migrate", "--noinput", env=env)
    manage("load_communes", env=env)
    return env
