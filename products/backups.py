"""Backups of the registry (its database and its uploaded media) and their restore.

One backup is one file, ``ocop-backup-<UTC time>.tar.gz``, holding:

- ``manifest.json``: when, from which database engine, which migrations were applied, what media it holds;
- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite, copied with
  the online backup API, so a running site is backed up consistently);
- ``media/``: every file under the local ``MEDIA_ROOT``. With an S3 object store the media are not copied:
  the bucket keeps them (versioning and replication, docs/deploy.md).

A restore replaces the configured database with the backup's (``pg_restore --clean --if-exists --no-owner``
in one transaction, or the SQLite backup API into the configured file) and writes the media files back
under ``MEDIA_ROOT``. Used by the ``backup`` and ``restore`` management commands.
"""

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import django
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from ocop_registry.planner import statistics_refresh

FORMAT = 1
PREFIX = "ocop-backup-"
SUFFIX = ".tar.gz"
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}

MEDIA_INCLUDED = "included"
MEDIA_OBJECT_STORE = "object-store"
MEDIA_SKIPPED = "skipped"


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why, for the operator."""


@dataclass
class BackupResult:
    path: Path
    engine: str
    media: str
    media_files: int
    size: int


@dataclass
class RestoreResult:
    engine: str
    database: str
    media: str
    media_files: int
    unapplied_migrations: list


# --- What is configured ---------------------------------------------------------------------------


def _connection(alias=DEFAULT_DB_ALIAS):
    connection = connections[alias]
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection


def database_label(alias=DEFAULT_DB_ALIAS) -> str:
    """The configured database for messages: engine, host and name, never the password."""
    connection = _connection(alias)
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "local socket"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"PostgreSQL {settings_dict['NAME']} on {host}{port}"


def local_media_root() -> Path | None:
    """MEDIA_ROOT when uploads are stored on local disk; None when they are in an object store."""
    storage = storages["default"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def media_label() -> str:
    root = local_media_root()
    return str(root) if root else "the object store (not part of backups)"


# --- PostgreSQL client tools -----------------------------------------------------------------------


def _pg_command(program, settings_dict, parameters):
    """``program`` with the connection arguments and environment Django's own ``dbshell`` would use."""
    if not settings_dict.get("NAME"):
        raise BackupError("The PostgreSQL database has no NAME: set it in DATABASE_URL.")
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, parameters)
    env = {**os.environ, **(env or {})}
    timeout = settings_dict["OPTIONS"].get("connect_timeout")
    if timeout:
        env["PGCONNECT_TIMEOUT"] = str(timeout)
    return [program, *args[1:]], env


def _run(command, env):
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    completed = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed (exit {completed.returncode}):\n{completed.stderr.strip()}")
    return completed


# --- Backup ----------------------------------------------------------------------------------------


def _dump_database(connection, target: Path):
    if connection.vendor == "postgresql":
        # pg_dump (its connection arguments end with the database name) reads one consistent snapshot.
        command, env = _pg_command("pg_dump", connection.settings_dict, ["--format=custom", f"--file={target}"])
        _run(command, env)
        _run(["pg_restore", "--list", str(target)], env)  # the dump reads back
        return
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # Page by page, from a consistent state even while the site writes; then the copy must read back.
        connection.connection.backup(destination)
        destination.execute("SELECT count(*) FROM django_migrations").fetchone()
    except sqlite3.Error as error:
        raise BackupError(f"Copying the SQLite database failed: {error}") from error
    finally:
        destination.close()


def _applied_migrations(connection) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _archive_name(directory: Path, now: datetime.datetime) -> Path:
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{PREFIX}{stamp}{SUFFIX}"
    counter = 2
    while path.exists():
        path = directory / f"{PREFIX}{stamp}-{counter}{SUFFIX}"
        counter += 1
    return path


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: float):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = mtime
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def backup_create(*, output_dir: Path, include_media: bool = True, now=None) -> BackupResult:
    """Write a backup of the configured database (and local media) into ``output_dir``; return its path.

    The file is written under a temporary name and renamed when complete, readable by its owner only
    (it holds personal data and password hashes).
    """
    now = now or datetime.datetime.now(datetime.UTC)
    connection = _connection()
    output_dir = Path(output_dir)
    output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    media_root = local_media_root()
    if not include_media:
        media_state = MEDIA_SKIPPED
    elif media_root is None:
        media_state = MEDIA_OBJECT_STORE
    else:
        media_state = MEDIA_INCLUDED
    media_files = 0

    path = _archive_name(output_dir, now)
    partial = path.with_name(f".{path.name}.partial")
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".ocop-backup-") as work:
        database_file = Path(work) / DATABASE_FILES[connection.vendor]
        _dump_database(connection, database_file)
        if media_state == MEDIA_INCLUDED and media_root.is_dir():
            media_files = sum(1 for item in media_root.rglob("*") if item.is_file())
        manifest = {
            "format": FORMAT,
            "created": now.astimezone(datetime.UTC).isoformat(),
            "engine": connection.vendor,
            "database": database_label(),
            "django": django.get_version(),
            "migrations": _applied_migrations(connection),
            "media": media_state,
            "media_files": media_files,
        }
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode(), now.timestamp())
                tar.add(database_file, arcname=database_file.name)
                if media_state == MEDIA_INCLUDED and media_root.is_dir():
                    tar.add(media_root, arcname=MEDIA)
            partial.rename(path)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(path=path, engine=connection.vendor, media=media_state, media_files=media_files,
                        size=path.stat().st_size)


def backup_prune(*, directory: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups in ``directory``; return what was deleted."""
    if keep < 1:
        return []
    backups = sorted(Path(directory).glob(f"{PREFIX}*{SUFFIX}"))  # timestamped names sort by time
    deleted = backups[:-keep]
    for path in deleted:
        path.unlink()
    return deleted


# --- Restore ---------------------------------------------------------------------------------------


def backup_read_manifest(archive: Path) -> dict:
    """The manifest of a backup file, checked to be one this code can restore."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"No such backup file: {archive}")
    try:
        with tarfile.open(archive, "r:*") as tar:
            manifest = json.load(tar.extractfile(MANIFEST))
    except (tarfile.TarError, KeyError, TypeError, ValueError, OSError) as error:
        raise BackupError(f"{archive} is not a registry backup (made by manage.py backup): {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("engine") not in DATABASE_FILES:
        raise BackupError(f"{archive} has an unknown backup format: {manifest.get('format')!r}")
    return manifest


def unknown_migrations(manifest: dict) -> list[str]:
    """Migrations applied in the backup that this code does not have (the backup is from a newer version)."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    return sorted(set(manifest["migrations"]) - known)


def _unapplied_migrations(connection) -> list[str]:
    loader = MigrationLoader(connection)
    return sorted(f"{app}.{name}" for app, name in set(loader.graph.nodes) - set(loader.applied_migrations))


def _restore_database(connection, source: Path):
    connection.close()
    if connection.vendor == "postgresql":
        # One transaction: a restore that fails part-way leaves the database as it was.
        parameters = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                      "--exit-on-error", "--dbname"]
        command, env = _pg_command("pg_restore", connection.settings_dict, parameters)
        _run([*command, str(source)], env)
        return
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        backup.backup(connection.connection)
    finally:
        backup.close()
        connection.close()


def _restore_media(tar: tarfile.TarFile, media_root: Path) -> int:
    prefix = f"{MEDIA}/"
    members = [member.replace(name=member.name[len(prefix):], deep=False)
               for member in tar.getmembers() if member.name.startswith(prefix)]
    media_root.mkdir(parents=True, exist_ok=True)
    # The "data" filter refuses absolute paths, paths leaving MEDIA_ROOT, devices and links outside.
    tar.extractall(path=media_root, members=members, filter="data")
    return sum(1 for member in members if member.isfile())


def backup_restore(*, archive: Path, include_media: bool = True) -> RestoreResult:
    """Replace the configured database (and local media files) with the backup's."""
    manifest = backup_read_manifest(archive)
    connection = _connection()
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database; the configured database is {connection.vendor}. "
            "Restore it into a database of the same kind (DATABASE_URL)."
        )
    media_root = local_media_root()
    media_files = 0
    with tempfile.TemporaryDirectory(prefix="ocop-restore-") as work, tarfile.open(archive, "r:*") as tar:
        database_name = DATABASE_FILES[connection.vendor]
        tar.extract(database_name, path=work, filter="data")
        _restore_database(connection, Path(work) / database_name)
        if include_media and manifest["media"] == MEDIA_INCLUDED:
            if media_root is None:
                media_state = MEDIA_OBJECT_STORE  # the backup's files stay in the archive; see docs/deploy.md
            else:
                media_files = _restore_media(tar, media_root)
                media_state = MEDIA_INCLUDED
        else:
            media_state = MEDIA_SKIPPED if not include_media else manifest["media"]
    statistics_refresh()  # pg_restore and SQLite's backup leave the planner's statistics behind
    # Cached pages and figures describe the data before the restore.
    cache.clear()
    return RestoreResult(engine=connection.vendor, database=database_label(), media=media_state,
                         media_files=media_files, unapplied_migrations=_unapplied_migrations(connection))
