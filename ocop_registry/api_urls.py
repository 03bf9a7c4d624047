"""The open-data API under /api/v1/: read-only and unauthenticated."""

from django.urls import include, path

urlpatterns = [
    path("", include("products.api_urls")),
    path("", include("evaluations.api_urls")),
]
