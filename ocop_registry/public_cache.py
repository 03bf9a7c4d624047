"""Public answers from the shared cache until the next write, and conditional requests answered with 304.

The registry is written a few times a week and read all day, and a public page or API answer is the same
for every anonymous visitor. So this middleware, the first of ``settings.MIDDLEWARE``, keeps each such answer
in the shared cache (Redis) and serves it from there, until the data version (``ocop_registry.data_version``),
which every write bumps, moves on:

- **What is cached**: GET requests without a session or messages cookie and without ``Authorization``, to
  any path but the staff areas (admin, dashboard), the language switch, the probes, static files, media and
  the proxy's error page, and plain-HTTP requests that the site redirects to HTTPS; only answers that are
  200, not streamed (the CSV export), set no cookie, are not marked private/no-store/no-cache, and vary on
  nothing but the language.
- **The key**: the language the visitor gets (cookie, then Accept-Language, as ``LocaleMiddleware`` picks
  it), the whole URL (scheme, host, path, query) and the release (a digest of the code, templates,
  translations, static manifest and header settings, so a deploy never serves pages of the previous code).
  The entry holds
  the data version and the day it was computed for (certificates expire with the calendar): an entry of
  another version or day is never served. One entry per URL and language, overwritten when stale, so a hit
  costs one Redis round trip (version and page in one MGET) and nothing of the rest of the stack: no
  database query, no session, no template, no header building.
- **Headers**: the answer is stored with the headers the whole stack gave it (Content-Type,
  Content-Language, Vary, the security headers, the CSP, which uses no nonce), so a cached answer carries
  exactly those of a fresh one; only the validators and Cache-Control are computed per answer.
  ``Vary: Accept-Language, Cookie``: the language cookie picks the language too.
- **Conditional requests**: a weak ETag from the release, the data version, the day and the language;
  Last-Modified from the version's time (or midnight, if later); ``If-None-Match`` / ``If-Modified-Since``
  that still match get 304 after that one round trip. ``Cache-Control: public, max-age=60``
  (``PUBLIC_CACHE_MAX_AGE``), so browsers and proxies ask again within a minute of a write.
- **Staff areas** never get ``public``: an answer there without a Cache-Control of its own gets ``private``.

On when the cache is shared (``REDIS_URL``; ``PUBLIC_CACHE``, from ``OCOP_PUBLIC_CACHE``, overrides): a
per-process cache would let each worker serve its own stale copy after a write elsewhere.
"""

import datetime
import functools
import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import cc_delim_re, get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from . import data_version
from .sessions import STAFF_URL_NAMES

# What a page is computed from besides the data: a change to any of these is a new release.
RELEASE_SOURCES = ("ocop_registry", "products", "evaluations", "templates", "locale", "requirements.txt")
# Settings from the environment that shape a stored answer's headers (a restart with new values is a new release).
RELEASE_SETTINGS = (
    "CONTENT_SECURITY_POLICY", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS", "STATIC_URL", "MEDIA_URL", "DEBUG", "SITE_URL",
)
MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie storage (admin notices)
API_PREFIX = "/api/"
# Headers computed per answer (validators, freshness) or never cached; every other header of the answer is kept.
NOT_STORED = frozenset({"cache-control", "etag", "last-modified", "expires", "date", "set-cookie"})
VARY = ("Accept-Language", "Cookie")  # what a cached answer varies on: the language (header or cookie)
NOT_SHAREABLE = frozenset({"private", "no-store", "no-cache"})


@functools.cache
def release() -> str:
    """A digest of the code, templates, translations, static manifest and header settings this process serves
    (same release, same digest, on every machine). Computed once per process, in about 10 ms."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=6)
    for name in RELEASE_SOURCES:
        top = base / name
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in files:
            if path.is_file() and not {"__pycache__", "tests"} & set(path.parts):
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    digest.update(repr([getattr(settings, name) for name in RELEASE_SETTINGS]).encode())
    return digest.hexdigest()


_release_announced = False


def _announce_release() -> None:
    """The first process of a new release bumps the data version, so that Last-Modified moves on too."""
    global _release_announced
    if not _release_announced:
        _release_announced = True
        if cache.add(f"registry:release:{release()}", True, None):
            data_version.bump()


def _accepts_plain_json(accept: str) -> bool:
    """The API renders JSON only: an Accept header that refuses it (406) or asks for indenting is not cached."""
    if not accept:
        return True
    return "indent" not in accept and any(kind in accept for kind in ("*/*", "application/*", "application/json"))


def _shareable(response, language: str) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.get("Content-Language", language) != language:
        return False
    directives = {d.split("=")[0].strip().lower() for d in cc_delim_re.split(response.get("Cache-Control", ""))}
    if directives & NOT_SHAREABLE:
        return False
    varies = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    return varies <= {v.lower() for v in VARY}


class Validators:
    """ETag, Last-Modified and Cache-Control of the answers computed from one data version."""

    def __init__(self, version: int, day: datetime.date, language: str):
        self.etag = f'W/"{release()}.{version}.{day:%Y%m%d}.{language}"'
        midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
        modified = max(data_version.last_modified(version), int(midnight.timestamp()))
        # Never a date in the future: within the second of a write the answer goes without one (the ETag stays).
        self.last_modified = modified if modified <= time.time() else None

    def apply(self, response):
        response.headers["ETag"] = self.etag
        if self.last_modified:
            response.headers["Last-Modified"] = http_date(self.last_modified)
        response.headers["Cache-Control"] = f"public, max-age={settings.PUBLIC_CACHE_MAX_AGE}"
        return response

    def not_modified(self, request):
        """A 304 if the request's If-None-Match / If-Modified-Since still match, else None."""
        current = self.apply(HttpResponse(headers={"Vary": ", ".join(VARY)}))
        answer = get_conditional_response(request, etag=self.etag, last_modified=self.last_modified, response=current)
        return None if answer is current else answer


class PublicCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.excluded = None
        self.staff = None

    def _prefixes(self):
        self.staff = tuple(reverse(name) for name in STAFF_URL_NAMES)
        self.excluded = (
            *self.staff,
            reverse("switch_language", args=["vi"]).removesuffix("vi/"),
            reverse("healthz"),
            reverse("readyz"),
            reverse("request_too_large"),
            settings.STATIC_URL,
            settings.MEDIA_URL,
        )

    def __call__(self, request):
        if self.excluded is None:
            self._prefixes()
        key = self._key(request) if settings.PUBLIC_CACHE else None
        if key is None:
            response = self.get_response(request)
            if request.path.startswith(self.staff) and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True)
            return response
        return self._answer(request, *key)

    def _key(self, request) -> tuple | None:
        """(cache key, language) of a request the cache may answer, else None."""
        meta = request.META
        if request.method != "GET" or "HTTP_AUTHORIZATION" in meta:
            return None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None  # SecurityMiddleware, further in, redirects it
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
            return None
        path = request.path  # with the script prefix, as reverse() and STATIC_URL give them
        if path.startswith(self.excluded):
            return None
        if request.path_info.startswith(API_PREFIX) and not _accepts_plain_json(meta.get("HTTP_ACCEPT", "")):
            return None
        try:
            url = request.build_absolute_uri()
        except DisallowedHost:
            return None  # refused further in, as without the cache
        language = translation.get_language_from_request(request)
        digest = hashlib.blake2b(f"{release()}\n{language}\n{url}".encode(), digest_size=16).hexdigest()
        return f"page:{digest}", language

    def _answer(self, request, key: str, language: str):
        _announce_release()
        found = cache.get_many([data_version.KEY, key])
        version = data_version.ensure(found.get(data_version.KEY))
        day = timezone.localdate()
        validators = Validators(version, day, language)

        if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
            not_modified = validators.not_modified(request)
            if not_modified is not None:
                return not_modified

        entry = found.get(key)
        if entry is not None and entry[0] == version and entry[1] == day.toordinal():
            return validators.apply(HttpResponse(entry[3], headers=entry[2]))

        response = self.get_response(request)  # computed from this version's data or a later one
        if _shareable(response, language):
            patch_vary_headers(response, VARY)
            headers = {name: value for name, value in response.headers.items() if name.lower() not in NOT_STORED}
            cache.set(key, (version, day.toordinal(), headers, response.content), settings.PUBLIC_CACHE_TIMEOUT)
            del response["Expires"]  # a view's own (the sitemap's hour): the answer's freshness is ours
            validators.apply(response)
        return response
