"""Health and operations: the /healthz and /readyz probes, and gunicorn.conf.py.

Failures are real: a PostgreSQL URL and a Redis URL at ports where nothing listens, served by gunicorn
with DEBUG off (tests/server.py); in-process, the cache pointed at a closed port.
"""

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.server import BASE_DIR, _wait_until_up, fetch, free_port

GUNICORN_CONF = BASE_DIR / "gunicorn.conf.py"
SHARED_REDIS = "redis://127.0.0.1:6379/12"  # this module's own database on the shared Redis


def redis_cache(location: str) -> dict:
    return {"default": {"BACKEND": "ocop_registry.cache.ResilientRedisCache", "LOCATION": location,
                        "KEY_PREFIX": "ocop", "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}


def closed_port(scheme: str, path: str = "") -> str:
    return f"{scheme}://127.0.0.1:{free_port()}{path}"  # nothing listens there: connection refused


# --- /healthz ----------------------------------------------------------------------------------------


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: any database query in the request would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_probes_answer_only_host_names_in_allowed_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["ocop.example.vn"]

    allowed = client.get("/healthz", HTTP_HOST="ocop.example.vn")
    assert allowed.status_code == 200
    assert allowed.content == b"ok"
    for path in ("/healthz", "/readyz"):  # refused before the view: /readyz never reaches the database
        refused = client.get(path, HTTP_HOST="10.0.0.5")
        assert refused.status_code == 400, path
        assert refused.content != b"ok" and b'"status"' not in refused.content, path
        assert "Yêu cầu không hợp lệ" in refused.content.decode(), path


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_probes_refuse_writes_and_say_they_take_get_and_head(client, path, method):
    # No django_db mark: a write must be refused before /readyz touches the database.
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "HEAD"}
    assert response.content != b"ok"


# --- /readyz in-process ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_is_200_when_database_and_cache_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.django_db
def test_readyz_is_200_with_the_shared_redis_cache(client, settings):
    settings.CACHES = redis_cache(SHARED_REDIS)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_cache_when_redis_is_unreachable(client, settings):
    # The resilient cache swallows the connection error; readiness must still notice.
    settings.CACHES = redis_cache(closed_port("redis", "/0"))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "cache": "unavailable"}}
    assert "no-store" in response["Cache-Control"]


# --- Served by gunicorn with DEBUG off -------------------------------------------------------------


def test_production_probes_set_no_cookie_and_are_never_cached(production_server):
    for path in ("/healthz", "/readyz"):
        status, headers, body = fetch(production_server + path)

        assert status == 200, (path, body)
        assert headers.get_all("Set-Cookie") is None
        assert "no-store" in headers["Cache-Control"]
    assert json.loads(fetch(production_server + "/readyz")[2])["status"] == "ok"


def test_when_postgresql_is_unreachable_healthz_is_ok_and_readyz_names_the_database(production_site):
    with production_site.serve(workers=1, DATABASE_URL=closed_port("postgres", "/ocop")) as base_url:
        healthz = fetch(base_url + "/healthz")
        readyz = fetch(base_url + "/readyz")

    assert healthz[0] == 200 and healthz[2] == b"ok"
    assert readyz[0] == 503
    assert json.loads(readyz[2]) == {"status": "unavailable", "checks": {"database": "unavailable", "cache": "ok"}}


def test_when_database_and_redis_are_unreachable_readyz_names_both(production_site):
    environment = {"DATABASE_URL": closed_port("postgres", "/ocop"), "REDIS_URL": closed_port("redis", "/0")}
    with production_site.serve(workers=1, **environment) as base_url:
        status, _, body = fetch(base_url + "/readyz")

    assert status == 503
    assert json.loads(body)["checks"] == {"database": "unavailable", "cache": "unavailable"}
    assert b"127.0.0.1" not in body  # which part failed, never where it lives


def test_readyz_recovers_without_a_restart_when_redis_comes_back(production_site, tmp_path):
    port = free_port()
    with production_site.serve(workers=1, REDIS_URL=f"redis://127.0.0.1:{port}/0") as base_url:
        assert fetch(base_url + "/readyz")[0] == 503
        redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while (answer := fetch(base_url + "/readyz"))[0] != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            redis.terminate()
            redis.wait(timeout=10)

    assert answer[0] == 200
    assert json.loads(answer[2]) == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


# --- gunicorn.conf.py --------------------------------------------------------------------------------

GUNICORN_VARIABLES = ("GUNICORN_BIND", "GUNICORN_WORKERS", "FORWARDED_ALLOW_IPS", "GUNICORN_TIMEOUT",
                      "GUNICORN_CONTROL_SOCKET")


def load_gunicorn_conf(monkeypatch, **environment) -> dict:
    for name in GUNICORN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_conf_defaults(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)

    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["forwarded_allow_ips"] == "127.0.0.1"
    assert conf["timeout"] == 30 and conf["graceful_timeout"] == 30 and conf["keepalive"] == 5
    assert conf["max_requests"] == 20000 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["worker_tmp_dir"] == ("/dev/shm" if Path("/dev/shm").is_dir() else None)
    assert conf["wsgi_app"] == "ocop_registry.wsgi:application"
    assert conf["control_socket_disable"] is True


def test_gunicorn_conf_reads_the_environment(monkeypatch):
    conf = load_gunicorn_conf(
        monkeypatch,
        GUNICORN_WORKERS="3",
        GUNICORN_BIND="127.0.0.1:8001, [::1]:8001",
        FORWARDED_ALLOW_IPS="10.0.0.0/8",
        GUNICORN_TIMEOUT="60",
    )

    assert conf["workers"] == 3
    assert conf["bind"] == ["127.0.0.1:8001", "[::1]:8001"]
    assert conf["forwarded_allow_ips"] == "10.0.0.0/8"
    assert conf["timeout"] == 60


def test_gunicorn_check_config_accepts_the_file_and_loads_the_app(production_site):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", str(GUNICORN_CONF)],
        check=False, cwd="/", env=production_site.environment(), capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def test_gunicorn_started_with_only_the_conf_file_binds_forks_and_logs_as_configured(production_site, tmp_path):
    port = free_port()
    environment = production_site.environment(
        GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", GUNICORN_ACCESS_LOG="-"
    )
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w+b") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)],
            cwd="/", env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_up(base_url, process, log)
            status = fetch(base_url + "/readyz", headers={"X-Forwarded-For": "203.0.113.7"})[0]
            deadline = time.monotonic() + 10
            while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            workers = len(_children(process.pid))
        finally:
            process.terminate()
            process.wait(timeout=30)

    assert status == 200
    assert workers == 2
    access = [line for line in log_path.read_text().splitlines() if "GET /readyz" in line]
    # The client nginx forwarded, then the proxy's own address, the request, the status, and the time taken.
    assert access and access[0].startswith("203.0.113.7 127.0.0.1 - - [")
    assert '"GET /readyz HTTP/1.1" 200' in access[0]
    assert access[0].endswith("ms")


def test_probes_answer_over_plain_http_when_the_site_redirects_to_https(production_site):
    with production_site.serve(workers=1, DJANGO_SECURE_SSL_REDIRECT="1") as base_url:
        home = fetch(base_url + "/")
        healthz = fetch(base_url + "/healthz")
        readyz = fetch(base_url + "/readyz")

    assert home[0] == 301 and home[1]["Location"].startswith("https://")
    assert (healthz[0], healthz[2]) == (200, b"ok")
    assert readyz[0] == 200 and json.loads(readyz[2])["status"] == "ok"


# --- deploy/nginx.conf, run by a real nginx in front of gunicorn -----------------------------------------

SITE = "ocop.example.vn"
DEPLOY = BASE_DIR / "deploy"


class Nginx:
    """deploy/nginx.conf (and nginx-health.conf) with the test's ports, paths and a self-signed certificate."""

    def __init__(self, root: Path, app_port: int, static_root: Path, media_root: Path):
        self.root = root
        self.http, self.https, self.health = free_port(), free_port(), free_port()
        self.certificate, key = root / "fullchain.pem", root / "privkey.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-days", "1", "-subj", f"/CN={SITE}", "-addext", f"subjectAltName=DNS:{SITE}",
             "-keyout", str(key), "-out", str(self.certificate)],
            check=True, capture_output=True,
        )
        modules = [Path(f"/usr/lib/nginx/modules/ngx_http_brotli_{kind}_module.so") for kind in ("filter", "static")]
        brotli = all(module.exists() for module in modules)
        replacements = {
            f"/etc/letsencrypt/live/{SITE}/fullchain.pem": str(self.certificate),
            f"/etc/letsencrypt/live/{SITE}/privkey.pem": str(key),
            "/srv/ocop/static/": f"{static_root}/",
            "/srv/ocop/media/": f"{media_root}/",
            "/etc/nginx/snippets/": f"{DEPLOY}/nginx-snippets/",
            "/var/www/letsencrypt": str(root),
            "server 127.0.0.1:8000": f"server 127.0.0.1:{app_port}",
        }
        ports = {"80": self.http, "443": self.https, "8081": self.health}
        sites = []
        for name in ("nginx.conf", "nginx-health.conf"):
            lines = []
            for line in (DEPLOY / name).read_text().splitlines():
                if "listen [::]" in line or (not brotli and "# brotli" in line):
                    continue
                for old, new in replacements.items():
                    line = line.replace(old, new)
                line = re.sub(r"listen (\d+)\b", lambda match: f"listen 127.0.0.1:{ports[match[1]]}", line)
                lines.append(line)
            (root / name).write_text("\n".join(lines))
            sites.append(root / name)
        temp = "\n".join(f"    {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
        self.conf = root / "main.conf"
        self.conf.write_text(
            (f"user {os.environ.get('USER', 'root')};\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n"
            + "".join(f"load_module {module};\n" for module in modules if brotli) + "events {}\n"
            + f"http {{\n    include /etc/nginx/mime.types;\n    access_log {root}/access.log;\n{temp}\n"
            + "".join(f"    include {site};\n" for site in sites) + "}\n"
        )
        self.brotli = brotli

    def check(self):
        return subprocess.run(["nginx", "-t", "-p", str(self.root), "-c", str(self.conf)],
                              check=False, capture_output=True, text=True)

    def start(self):
        self.process = subprocess.Popen(["nginx", "-p", str(self.root), "-c", str(self.conf), "-g", "daemon off;"],
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not (self.root / "nginx.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def get(self, path, headers=None, tls=True, host=SITE, method="GET", body=None):
        """(status, headers, body) over HTTPS with SNI for the site (or plain HTTP), redirects not followed."""
        import http.client
        import socket
        import ssl

        if tls:
            context = ssl.create_default_context(cafile=str(self.certificate))
            connection = http.client.HTTPSConnection("127.0.0.1", self.https, context=context, timeout=30)
            raw = socket.create_connection(("127.0.0.1", self.https), timeout=30)
            connection.sock = context.wrap_socket(raw, server_hostname=SITE)
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.http, timeout=30)
        try:
            connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


nginx_required = pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None,
    reason="nginx is not installed (apt-get install nginx-light libnginx-mod-http-brotli-filter "
    "libnginx-mod-http-brotli-static)",
)


@nginx_required
def test_nginx_accepts_the_site_configuration(production_site, tmp_path):
    nginx = Nginx(tmp_path, free_port(), production_site.static_root, production_site.media_root)

    result = nginx.check()

    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def behind_nginx(production_site, tmp_path_factory):
    """gunicorn behind deploy/nginx.conf, configured as docs/deploy.md says for a single server.

    nginx serves media from a directory of its own (the files the media test writes), not the shared one.
    """
    tmp_path = tmp_path_factory.mktemp("nginx")
    production = {"DJANGO_ALLOWED_HOSTS": f"{SITE},127.0.0.1", "DJANGO_BEHIND_PROXY": "1", "DJANGO_PROXY_COUNT": "1",
                  "DJANGO_SECURE_SSL_REDIRECT": "1"}
    with production_site.serve(workers=1, **production) as base_url:
        nginx = Nginx(tmp_path, int(base_url.rsplit(":", 1)[1]), production_site.static_root, tmp_path / "media")
        nginx.start()
        try:
            yield nginx
        finally:
            nginx.stop()


@nginx_required
def test_nginx_redirects_http_and_proxies_https_with_host_and_scheme(behind_nginx):
    redirect = behind_nginx.get("/san-pham/?sao=4", tls=False)
    # Django redirects any request it believes is plain HTTP: a 200 proves X-Forwarded-Proto arrived; and
    # without the client's Host nginx would send "ocop_app", which is not an allowed host.
    home = behind_nginx.get("/")
    health = behind_nginx.get("/healthz")

    assert redirect[0] == 301 and redirect[1]["Location"] == f"https://{SITE}/san-pham/?sao=4"
    assert home[0] == 200
    assert health[0] == 200 and health[2] == b"ok"


@nginx_required
def test_nginx_drops_requests_for_other_host_names(behind_nginx):
    import http.client

    with pytest.raises(http.client.RemoteDisconnected):  # 444: the connection is closed without an answer
        behind_nginx.get("/", tls=False, host="10.0.0.5")


@nginx_required
def test_nginx_compresses_pages(behind_nginx):
    gzip_page = behind_nginx.get("/", headers={"Accept-Encoding": "gzip"})

    assert gzip_page[1]["Content-Encoding"] == "gzip"
    if behind_nginx.brotli:
        assert behind_nginx.get("/", headers={"Accept-Encoding": "br"})[1]["Content-Encoding"] == "br"


@nginx_required
def test_nginx_serves_hashed_static_files_for_ten_years_and_others_for_an_hour(behind_nginx, production_site):
    manifest = json.loads((production_site.static_root / "staticfiles.json").read_text())["paths"]
    hashed = "/static/" + next(name for original, name in manifest.items() if original.endswith(".css"))

    status, headers, _ = behind_nginx.get(hashed, headers={"Accept-Encoding": "br, gzip"})
    unhashed = behind_nginx.get("/static/" + next(original for original in manifest if original.endswith(".css")))

    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    assert headers["Content-Encoding"] == ("br" if behind_nginx.brotli else "gzip")  # the precompressed copy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert unhashed[0] == 200 and unhashed[1]["Cache-Control"] == "public, max-age=3600"


@nginx_required
def test_nginx_serves_product_images_sandboxed_and_hides_everything_else_under_media(behind_nginx):
    media = behind_nginx.root / "media"
    (media / "products" / "test").mkdir(parents=True, exist_ok=True)
    (media / "products" / "test" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (media / "products" / "test" / "page.html").write_text("<script>alert(1)</script>")
    (media / "CACHE" / "images" / "test").mkdir(parents=True, exist_ok=True)
    (media / "CACHE" / "images" / "test" / "thumb.webp").write_bytes(b"RIFF....WEBP")
    (media / "imports").mkdir(exist_ok=True)
    (media / "imports" / "register.csv").write_text("private")

    image = behind_nginx.get("/media/products/test/photo.jpg")
    thumbnail = behind_nginx.get("/media/CACHE/images/test/thumb.webp")
    page = behind_nginx.get("/media/products/test/page.html")
    private = behind_nginx.get("/media/imports/register.csv")

    assert image[0] == 200 and image[1]["Content-Type"] == "image/jpeg"
    assert image[1]["X-Content-Type-Options"] == "nosniff" and image[1]["Content-Security-Policy"] == "sandbox"
    assert "immutable" in image[1]["Cache-Control"]
    assert thumbnail[0] == 200 and thumbnail[1]["Content-Type"] == "image/webp"
    assert page[1]["Content-Type"] == "application/octet-stream"  # never served as a page of the site
    assert page[1]["Content-Security-Policy"] == "sandbox"
    assert private[0] == 404 and b"private" not in private[2]


@nginx_required
def test_nginx_health_port_names_the_site_for_the_load_balancer(behind_nginx):
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{behind_nginx.health}/readyz", timeout=30) as response:
        body = json.loads(response.read())

    assert body["status"] == "ok"
    assert fetch(f"http://127.0.0.1:{behind_nginx.health}/")[0] == 404


@nginx_required
def test_nginx_answers_a_body_over_its_limit_with_the_sites_413_page(behind_nginx):
    status, headers, body = behind_nginx.get(
        "/admin/login/", method="POST", body=b"x" * (13 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "vi"},
    )

    assert status == 413
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert "12 MB" in page and "Không có gì được lưu" in page
    assert 'class="site-header"' in page  # the site's page, not nginx's
    assert behind_nginx.get("/loi/qua-lon/")[0] == 404  # only nginx itself reaches it
    # A body under the app's 12 MB passes nginx and is Django's to judge (no CSRF cookie: its 403 page).
    under = behind_nginx.get(
        "/admin/login/", method="POST", body=b"x=" + b"y" * (11 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "vi"},
    )
    assert under[0] == 403 and "Biểu mẫu đã hết hạn" in under[2].decode()
