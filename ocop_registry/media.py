"""Uploaded media served by Django when no reverse proxy (or object store) does.

Only the public product images are reachable: the uploads (``products/``, the ``upload_to`` of
``Product.image`` and ``ProductImage.image``) and their thumbnails (imagekit's ``CACHE/images/``). Everything
else under MEDIA_ROOT — the registers staff upload for import (``imports/``) — is a 404. Every response, 404s
included, carries ``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy: sandbox``, so a file can
never run as a page of the site. Stored names never change content (``products.images`` adds a random token;
thumbnail names hash their source), so they are cached for a year. deploy/nginx.conf does the same for /media/.
"""

import posixpath

from django.conf import settings
from django.http import Http404, HttpResponseNotAllowed, HttpResponseNotFound
from django.utils.translation import gettext
from django.views.static import serve as static_serve

PUBLIC_PREFIXES = ("products/", "CACHE/images/")
CACHE_CONTROL = "public, max-age=31536000, immutable"
HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}


def public_path(path: str) -> str | None:
    """``path`` normalised, if it lies under a public prefix; None otherwise (``..``, imports, the root)."""
    if "\\" in path or "\0" in path:
        return None
    normalised = posixpath.normpath(path).lstrip("/")
    if normalised != path or not normalised.startswith(PUBLIC_PREFIXES):
        return None
    return normalised


def serve(request, path):
    response = _file_response(request, path)
    for header, value in HEADERS.items():
        response[header] = value
    return response


def _file_response(request, path):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    public = public_path(path)
    if public is not None:
        try:
            response = static_serve(request, public, document_root=settings.MEDIA_ROOT)
        except Http404:
            pass
        else:
            response["Cache-Control"] = CACHE_CONTROL
            return response
    return HttpResponseNotFound(gettext("Không tìm thấy tệp."), content_type="text/plain; charset=utf-8")
