"""The registry under gunicorn with DEBUG off: what a deployer gets by following the docs."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest

from tests.server import fetch

# Linked assets and the content types they must be served with.
EXPECTED_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png",
                  ".ico": "image/", ".woff2": "font/woff2", ".webmanifest": "application/manifest+json"}


class AssetLinks(HTMLParser):
    """The stylesheets, scripts and icons a page links."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and {"stylesheet", "icon", "apple-touch-icon", "manifest"} & set(
            (attrs.get("rel") or "").split()
        ):
            self.urls.append(attrs["href"])


def linked_assets(html: str) -> list:
    parser = AssetLinks()
    parser.feed(html)
    return parser.urls


def stylesheet_imports(css: str) -> list:
    """url(...) references in a stylesheet (the admin's CSS imports others and points at its images)."""
    return [u for u in re.findall(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""", css) if not u.startswith("data:")]


@pytest.mark.parametrize("path", ["/", "/admin/login/"])
def test_every_linked_static_file_is_served_with_its_content_type(production_server, path):
    status, _headers, body = fetch(production_server + path)
    assert status == 200
    assets = linked_assets(body.decode())
    assert any(a.endswith(".css") for a in assets), assets
    seen = set()
    queue = [urljoin(production_server + path, a) for a in assets]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        status, headers, content = fetch(url)
        assert status == 200, url
        suffix = "." + url.rsplit("?", 1)[0].rsplit(".", 1)[-1]
        if suffix in EXPECTED_TYPES:
            assert headers["Content-Type"].startswith(EXPECTED_TYPES[suffix]), (url, headers["Content-Type"])
        if suffix == ".css":
            queue += [urljoin(url, u) for u in stylesheet_imports(content.decode())]
    assert any(u.endswith(".css") for u in seen)


def test_static_files_have_hashed_names_far_future_caching_and_compression(production_server):
    _status, _headers, body = fetch(production_server + "/")
    stylesheet = next(a for a in linked_assets(body.decode()) if a.endswith(".css"))
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet  # ManifestStaticFilesStorage's hash
    status, headers, _content = fetch(urljoin(production_server, stylesheet), headers={"Accept-Encoding": "br, gzip"})
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    assert headers["Content-Encoding"] in {"br", "gzip"}


def test_unknown_static_file_is_a_404_not_a_server_error(production_server):
    status, _headers, _body = fetch(production_server + "/static/css/nothing-here.css")
    assert status == 404


def test_debug_is_off_under_gunicorn(production_server):
    status, _headers, body = fetch(production_server + "/khong-co-trang-nay/")
    assert status == 404
    assert b"Using the URLconf" not in body  # Django's technical 404 appears only with DEBUG on
