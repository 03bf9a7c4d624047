"""The registry as production runs it: gunicorn in a subprocess, DEBUG off, collected static files.

Tests that need production behaviour (static files, headers, media, error pages) talk HTTP to it.
The database is a SQLite file prepared once per test session (migrations, Thanh Hóa's communes and the
demo story); a test that writes gets its own copy with ``fresh_database_copy``.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-only-" + "k" * 50
# The variables a production server is started with; DJANGO_*/DATABASE_URL of the test run are not inherited.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_COOKIES": "0",  # plain HTTP on loopback; TLS is the proxy's (tested with the header grader)
    "OCOP_OTP_REQUIRED": "0",
}


def _environment(extra: dict) -> dict:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "OCOP_", "STATIC_ROOT", "MEDIA_"))
    }
    return {**inherited, **PRODUCTION_ENV, **extra}


def _manage(*args: str, env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cache_settings(location: str, prefix: str = "ocop", **options) -> dict:
    """CACHES as settings.py writes them when REDIS_URL is set, on the Redis database ``location``."""
    return {"default": {"BACKEND": "ocop_registry.cache.ResilientRedisCache", "LOCATION": location,
                        "KEY_PREFIX": prefix, **({"OPTIONS": options} if options else {})}}


def flushed_redis(url: str):
    """A client of the Redis database ``url``, emptied before the test and after it (a generator for a fixture)."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield client
    client.flushdb()


class ProductionSite:
    """A prepared database file and collected static files, shared by the servers of one test session."""

    def __init__(self, root: Path):
        self.root = root
        self.database = root / "registry.sqlite3"
        self.static_root = root / "static"
        self.media_root = root / "media"

    def prepare(self) -> "ProductionSite":
        development = _environment({"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{self.database}"})
        _manage("migrate", "--noinput", env=development)
        _manage("load_communes", env=development)
        _manage("load_demo", env=development)
        _manage("collectstatic", "--noinput", env=_environment({"STATIC_ROOT": str(self.static_root)}))
        self.media_root.mkdir(exist_ok=True)
        return self

    def fresh_database_copy(self) -> Path:
        copy = Path(tempfile.mkdtemp(dir=self.root)) / "registry.sqlite3"
        shutil.copyfile(self.database, copy)
        return copy

    def environment(self, database: Path | None = None, **extra: str) -> dict:
        return _environment(
            {
                "DATABASE_URL": f"sqlite:///{database or self.database}",
                "STATIC_ROOT": str(self.static_root),
                "MEDIA_ROOT": str(self.media_root),
                **extra,
            }
        )

    @contextmanager
    def serve(self, database: Path | None = None, workers: int = 2, **extra: str):
        """Run gunicorn with the repository's gunicorn.conf.py; yields the base URL (no trailing slash)."""
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "ocop_registry.wsgi:application"]
        if (BASE_DIR / "gunicorn.conf.py").exists():
            command += ["-c", str(BASE_DIR / "gunicorn.conf.py")]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"]
        log = tempfile.TemporaryFile(dir=self.root)
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.environment(database, **extra), stdout=log, stderr=subprocess.STDOUT
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base_url, process, log)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _wait_until_up(base_url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def fetch(url: str, method: str = "GET", headers: dict | None = None, data: bytes | None = None):
    """(status, headers, body) of one request; HTTP errors are answers too, redirects are not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
