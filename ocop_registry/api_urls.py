"""The open-data API under /api/v1/: read-only and unauthenticated.

``/api/v1/`` lists the endpoints (as Django REST framework's API root does); ``/api/v1/docs/`` shows the
OpenAPI schema with Swagger UI served from this site's static files (drf-spectacular-sidecar: no CDN, within
the Content-Security-Policy); ``/api/v1/schema/`` (``products.api.SchemaView``) is the schema itself,
readable in a browser.
"""

from django.shortcuts import render
from django.urls import include, path, reverse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .site_url import absolute_url

SLUG_MARKER = "slug-placeholder"


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request):
    """Every endpoint of the API with its absolute address (on ``SITE_URL``), and where it is documented."""
    endpoints = {
        "products": reverse("products_api:product_list"),
        "product": reverse("products_api:product_detail", kwargs={"slug": SLUG_MARKER}),
        "progress": reverse("api_progress"),
        "schema": reverse("products_api:schema"),
        "docs": reverse("api_docs"),
    }
    return Response(
        {name: absolute_url(url, request).replace(SLUG_MARKER, "{slug}") for name, url in endpoints.items()}
    )


@require_GET
def api_docs(request):
    """The API's documentation: Swagger UI over the schema, from /static/ (works offline)."""
    schema = reverse("products_api:schema")
    return render(request, "api/docs.html", {"schema_url": schema, "root_url": reverse("api_root")})


urlpatterns = [
    path("", api_root, name="api_root"),
    path("docs/", api_docs, name="api_docs"),
    path("", include("products.api_urls")),
    path("", include("evaluations.api_urls")),
]
