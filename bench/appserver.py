"""Shared by the production benchmarks (fault_db_restart, two_nodes, load): a PostgreSQL database with
generated data, gunicorn as production runs it, sessions for signed-in users, and a threaded HTTP load.
"""

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fresh_database import BASE_DIR, manage

POSTGRES = "postgres://postgres@127.0.0.1:5432"
SECRET_KEY = "bench-only-" + "s" * 50


def base_environment() -> dict:
    """This process's environment without the variables that select a database, cache or mode."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "OCOP_", "STATIC_ROOT", "GUNICORN_"))
    }


def postgres_database(name: str, products: int) -> str:
    """DATABASE_URL of PostgreSQL database ``name``, created and filled (generate_scale) if it has fewer
    than ``products`` products; reused as it is otherwise."""
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True)
    url = f"{POSTGRES}/{name}"
    env = {**base_environment(), "DJANGO_DEBUG": "1", "DATABASE_URL": url}
    manage("migrate", "--noinput", env=env)
    have = int(shell(url, "from products.models import Product; print(Product.objects.count())"))
    if have < products:
        manage("load_communes", env=env)
        started = time.perf_counter()
        manage("generate_scale", "--products", str(products - have), env=env)
        print(f"generate_scale --products {products - have} into {name}: {time.perf_counter() - started:.0f} s")
    return url


def shell(database_url: str, code: str) -> str:
    """Run ``code`` in `manage.py shell` against the database; its stdout."""
    # The bench key: a session created here carries an auth hash the servers accept.
    env = {**base_environment(), "DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": SECRET_KEY, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=BASE_DIR, env=env, check=True,
        capture_output=True, text=True,
    )
    return result.stdout.strip().splitlines()[-1]  # after shell's "N objects imported automatically"


SESSION_CODE = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.backends.db import SessionStore
user, _ = User.objects.get_or_create(username="bench-official")
user.user_permissions.add(Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations"))
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def official_session(database_url: str) -> str:
    """The session id of an official allowed the dashboard (sessions live in the shared database)."""
    return shell(database_url, SESSION_CODE)


def sample_paths(database_url: str, n: int = 200) -> dict:
    """Slugs of published products, producers and communes to spread the load over."""
    code = (
        "import json; from products.models import Product, Producer, Commune; "
        f"print(json.dumps({{'products': list(Product.objects.filter(is_published=True).order_by('?')"
        f".values_list('slug', flat=True)[:{n}]), "
        f"'producers': list(Producer.objects.order_by('?').values_list('slug', flat=True)[:{n}]), "
        f"'communes': list(Commune.objects.order_by('?').values_list('slug', flat=True)[:{n}])}}))"
    )
    return json.loads(shell(database_url, code))


def collect_static() -> str:
    root = tempfile.mkdtemp(prefix="ocop-bench-static-")
    env = {**base_environment(), "DJANGO_SECRET_KEY": SECRET_KEY, "STATIC_ROOT": root}
    manage("collectstatic", "--noinput", env=env)
    return root


def production_environment(database_url: str, static_root: str, redis_url: str = "", **extra) -> dict:
    env = {
        **base_environment(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",  # plain HTTP on loopback; TLS is the proxy's
        "DATABASE_URL": database_url,
        "STATIC_ROOT": static_root,
        **extra,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, port: int | None = None, workers: int | None = None):
    """gunicorn with the repository's gunicorn.conf.py (or 4 sync workers without one); yields
    (base_url, process). Access log off, errors to a temporary file printed if it fails to start."""
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn"]
    if (BASE_DIR / "gunicorn.conf.py").exists():
        command += ["-c", str(BASE_DIR / "gunicorn.conf.py")]
    else:
        command += ["ocop_registry.wsgi:application", "--workers", "4"]
    if workers:
        command += ["--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "--log-level", "warning"]
    log = tempfile.NamedTemporaryFile(prefix="ocop-bench-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}: see {log.name}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 60 s: see {log.name}")
            try:
                if request(base_url, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        process.log_path = log.name
        yield base_url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def request(base_url: str, path: str, cookies: str = "", timeout: float = 30, method="GET", body=None,
            headers=None):
    """(status, headers, body) of one request on a new connection."""
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        all_headers = {"Cookie": cookies} if cookies else {}
        all_headers.update(headers or {})
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def worker_pids(master_pid: int) -> list:
    """gunicorn's worker processes: the children of the master."""
    children = []
    for task in Path(f"/proc/{master_pid}/task").iterdir():
        children += (task / "children").read_text().split()
    return sorted(int(pid) for pid in children)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers_rss(master_pid: int) -> str:
    sizes = [rss_mb(pid) for pid in worker_pids(master_pid)]
    if not sizes:
        return "no workers"
    return f"{len(sizes)} workers, {min(sizes):.0f}–{max(sizes):.0f} MB each, {sum(sizes):.0f} MB in all"


@dataclass
class Outcome:
    started: float  # time.monotonic()
    seconds: float
    path: str
    status: int  # 0: no answer (connection refused, reset, timed out)
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status != 200  # every path the benchmarks ask for answers 200 when all is well


@dataclass
class Load:
    outcomes: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_load(base_urls, choose_path, *, clients: int, seconds: float, cookies: str = "", stop=None) -> list:
    """``clients`` threads, each sending one request after another for ``seconds`` (or until ``stop`` is
    set) to a base URL taken in turn; ``choose_path(rng)`` gives (path, signed_in). Returns the outcomes."""
    base_urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
    load = Load()
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds

    def client(number):
        rng = random.Random(number)
        turn = number
        while not stop.is_set() and time.monotonic() < deadline:
            path, signed_in = choose_path(rng)
            base_url = base_urls[turn % len(base_urls)]
            turn += 1
            started = time.monotonic()
            try:
                status = request(base_url, path, cookies if signed_in else "")[0]
                error = ""
            except (OSError, http.client.HTTPException) as exc:
                status, error = 0, f"{exc.__class__.__name__}: {exc}"
                time.sleep(0.05)
            outcome = Outcome(started, time.monotonic() - started, path, status, error)
            with load.lock:
                load.outcomes.append(outcome)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return load.outcomes


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(outcomes) -> str:
    if not outcomes:
        return "no requests"
    span = max(o.started + o.seconds for o in outcomes) - min(o.started for o in outcomes)
    times = [o.seconds * 1000 for o in outcomes]
    failed = [o for o in outcomes if o.failed]
    return (f"{len(outcomes)} requests in {span:.1f} s = {len(outcomes) / span:.0f} req/s, "
            f"p50 {percentile(times, 0.5):.0f} ms, p99 {percentile(times, 0.99):.0f} ms, errors {len(failed)}")


def describe_failures(outcomes, limit=5) -> str:
    kinds = {}
    for o in outcomes:
        if o.failed:
            kinds.setdefault(o.error or f"HTTP {o.status}", []).append(o.path)
    return "; ".join(f"{kind} ×{len(paths)} (e.g. {paths[0]})" for kind, paths in list(kinds.items())[:limit])
