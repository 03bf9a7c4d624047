"""`manage.py backup` and `manage.py restore`, run as an operator runs them: commands against database files.

A registry is built in a real database (migrate, communes, the demo story, an uploaded file), backed up,
and restored into a NEW database; the restored one must hold the same rows in every table (history tables
included) and give the same dashboard figures. On SQLite always; on PostgreSQL too when DATABASE_URL
names one (databases named after it with a suffix, dropped afterwards).
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]

# Every table's row count (history tables included) and every dashboard figure on a day of the demo story.
FIGURES = """
import dataclasses, datetime, json
from django.apps import apps
from evaluations.selectors import dashboard_on
counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
dashboard = dashboard_on(day=datetime.date(2026, 6, 30))
dashboard = dataclasses.replace(dashboard, expiring=[e.pk for e in dashboard.expiring])
print(json.dumps({"counts": counts, "dashboard": repr(dashboard)}))
"""


def manage(env, *args, check=True):
    completed = subprocess.run(
        [*MANAGE, *args], check=False, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=300,
    )
    if check and completed.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed


def figures(env) -> dict:
    return json.loads(manage(env, "shell", "--no-imports", "-c", FIGURES).stdout.strip().splitlines()[-1])


def command_env(database_url, media_root) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "OCOP_S3_BUCKET"}}
    env.update(DJANGO_DEBUG="1", DATABASE_URL=database_url, MEDIA_ROOT=str(media_root))
    return env


# --- Databases: SQLite files, or PostgreSQL databases named after DATABASE_URL ---------------------


def _postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class SQLiteDatabases:
    def __init__(self, directory: Path):
        self.directory = directory

    def new(self, name: str) -> str:
        return f"sqlite:///{self.directory / name}.sqlite3"

    def drop_all(self):
        pass


class PostgresDatabases:
    def __init__(self, url: str, suffix: str):
        import psycopg

        self.psycopg = psycopg
        parts = urlsplit(url)
        self.parts = parts
        self.prefix = f"{parts.path.lstrip('/') or 'ocop'}_{suffix}"
        self.maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        self.created = []

    def _execute(self, sql):
        with self.psycopg.connect(self.maintenance, autocommit=True) as connection:
            connection.execute(sql)

    def new(self, name: str) -> str:
        database = f"{self.prefix}_{name}"
        self._execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{database}"')
        self.created.append(database)
        return urlunsplit(self.parts._replace(path=f"/{database}"))

    def drop_all(self):
        for database in self.created:
            self._execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not _postgres_url(), reason="DATABASE_URL does not name a PostgreSQL database"),
    ),
]


@pytest.fixture(scope="module", params=ENGINES)
def databases(request, tmp_path_factory):
    if request.param == "sqlite":
        made = SQLiteDatabases(tmp_path_factory.mktemp("sqlite"))
    else:
        made = PostgresDatabases(_postgres_url(), suffix="backup_test")
    yield made
    made.drop_all()


@pytest.fixture(scope="module")
def registry(databases, tmp_path_factory):
    """A registry with the demo story and one uploaded file, its figures, and a backup of it."""
    base = tmp_path_factory.mktemp("registry")
    env = command_env(databases.new("source"), base / "media")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_communes")
    manage(env, "load_demo")
    photo = base / "media" / "products" / "2024" / "che-shan-tuyet.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(os.urandom(4096))
    before = figures(env)
    output = manage(env, "backup", "--output", str(base / "backups")).stdout
    archive = Path(output.strip().splitlines()[-1])
    return {"env": env, "figures": before, "archive": archive, "photo": photo, "base": base}


# --- Tests -----------------------------------------------------------------------------------------


def test_restore_into_a_new_database_finds_the_same_rows_history_and_dashboard(registry, databases, tmp_path):
    env = command_env(databases.new("restored"), tmp_path / "media")

    result = manage(env, "restore", str(registry["archive"]), "--yes")

    assert "Restored" in result.stdout
    after = figures(env)
    counts = after["counts"]
    assert counts["products.Product"] > 0 and counts["evaluations.Evaluation"] > 0
    assert counts["products.HistoricalProduct"] > 0 and counts["evaluations.HistoricalEvaluation"] > 0
    assert after == registry["figures"]
    restored_photo = tmp_path / "media" / registry["photo"].relative_to(registry["base"] / "media")
    assert restored_photo.read_bytes() == registry["photo"].read_bytes()


def test_restore_over_a_changed_database_brings_back_the_backed_up_state(registry):
    env = registry["env"]
    manage(env, "shell", "--no-imports", "-c",
           "from django.contrib.auth.models import User; User.objects.create_user('added-after-the-backup')")
    assert figures(env) != registry["figures"]

    manage(env, "restore", str(registry["archive"]), "--yes")

    assert figures(env) == registry["figures"]


def test_restore_refuses_without_confirmation_when_not_interactive(registry, tmp_path):
    target = tmp_path / "untouched.sqlite3"
    env = command_env(f"sqlite:///{target}", tmp_path / "media")

    result = manage(env, "restore", str(registry["archive"]), check=False)

    assert result.returncode != 0
    assert "--yes" in result.stderr
    assert not target.exists() and not (tmp_path / "media").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    not_a_backup = tmp_path / "ocop.sql"
    not_a_backup.write_text("SELECT 1;")
    env = command_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "media")

    result = manage(env, "restore", str(not_a_backup), "--yes", check=False)

    assert result.returncode != 0
    assert "not a registry backup" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_backup_is_one_timestamped_file_readable_by_its_owner_only(registry):
    archive = registry["archive"]

    assert re.fullmatch(r"ocop-backup-\d{8}T\d{6}Z\.tar\.gz", archive.name)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [p.name for p in archive.parent.iterdir()] == [archive.name]  # no temporary files left behind


def test_backup_keep_deletes_all_but_the_newest(registry, tmp_path):
    older = tmp_path / "ocop-backup-20200101T000000Z.tar.gz"
    shutil.copy(registry["archive"], older)
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("kept")

    output = manage(registry["env"], "backup", "--output", str(tmp_path), "--keep", "1", "--no-media").stdout

    newest = Path(output.strip().splitlines()[-1])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([newest.name, "notes.txt"])
    assert f"Deleted old backup {older.name}" in output
