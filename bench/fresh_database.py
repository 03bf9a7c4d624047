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


def ensure_data(products: int) -> int:
    """In the configured database (Django set up by the caller): migrated, Thanh Hóa's units loaded, and at
    least ``products`` synthetic products (generate_scale); returns how many there are."""
    from django.core.management import call_command  # Django is set up by the caller, after this import

    from products.models import Commune, Product

    call_command("migrate", verbosity=0)
    if not Commune.objects.exists():
        call_command("load_communes", verbosity=0, stdout=open(os.devnull, "w"))
    have = Product.objects.count()
    if have < products:
        call_command("generate_scale", products=products - have, stdout=open(os.devnull, "w"))
    return Product.objects.count()
