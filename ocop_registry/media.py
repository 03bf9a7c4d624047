"""Uploaded media served by Django when no reverse proxy does."""

from django.conf import settings
from django.views.static import serve as static_serve


def serve(request, path):
    return static_serve(request, path, document_root=settings.MEDIA_ROOT)
