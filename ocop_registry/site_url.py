"""The site's public address in every absolute link it hands out: QR codes, the CSV, the API, the sitemap,
robots.txt, canonical and Open Graph links.

``settings.SITE_URL`` (env ``OCOP_SITE_URL``, an origin such as ``https://ocop.thanhhoa.gov.vn``) fixes the scheme
and host, whatever host a request came in by: a QR code printed from a page that staff opened at 127.0.0.1 or an
internal name still points at the public site. Unset (development), the request's own host is used, which
Django checks against ``ALLOWED_HOSTS``; in production ``check --deploy`` warns about it (``ocop_registry.W001``).
"""

from django.conf import settings
from django.core import checks
from django.http import HttpRequest

W001 = "ocop_registry.W001"


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """``path`` (as ``reverse()`` or a storage's ``url()`` gives it) as an absolute URL on the public site.

    Already absolute (an image in an object store): unchanged. Without ``SITE_URL``: on the request's host, or
    ``path`` itself when there is no request either.
    """
    if "://" in path:
        return path
    if settings.SITE_URL:
        return settings.SITE_URL + path if path.startswith("/") else f"{settings.SITE_URL}/{path}"
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def site_parts(request: HttpRequest | None = None) -> tuple[str, str]:
    """(scheme, host) of the public site: ``SITE_URL``'s, else the request's (the sitemap needs them apart)."""
    if settings.SITE_URL:
        scheme, _, host = settings.SITE_URL.partition("://")
        return scheme, host
    if request is not None:
        return request.scheme, request.get_host()
    return "https", ""


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    """``check --deploy``: production without OCOP_SITE_URL (or over plain HTTP) hands out links on whatever host
    a request used."""
    if not settings.SITE_URL:
        return [
            checks.Warning(
                "OCOP_SITE_URL is not set: QR codes, the CSV, the API, the sitemap and canonical links use the "
                "host of each request.",
                hint="Set OCOP_SITE_URL to the public origin, e.g. https://ocop.thanhhoa.gov.vn (docs/deploy.md).",
                id=W001,
            )
        ]
    if settings.SITE_URL.startswith("http://"):
        return [
            checks.Warning(
                "OCOP_SITE_URL is a plain-HTTP address: printed QR codes would point to it.",
                hint="Use the https:// address of the public site.",
                id=W001,
            )
        ]
    return []
