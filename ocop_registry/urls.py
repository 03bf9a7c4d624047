from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page

from products.sitemaps import SITEMAPS
from products.views import robots_txt

from . import errors, health, media

urlpatterns = [
    path("admin/", admin.site.urls),
    # Crawlers fetch the sitemap often and it lists every catalogue page: an hour-old copy is fine.
    path("sitemap.xml", cache_page(60 * 60)(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("loi/qua-lon/", errors.request_too_large_at_proxy, name="request_too_large"),
    path("ngon-ngu/", include("ocop_registry.language")),  # the header's language switch (a link, no form)
    path("api/v1/", include("ocop_registry.api_urls")),
    path("", include("evaluations.urls")),  # /tien-do/ (public) and /bang-dieu-khien/ (officials)
    path("", include("products.urls")),
]

if settings.SERVE_MEDIA:
    # Uploaded images served by Django when no reverse proxy (or object store) does (docs/deploy.md).
    urlpatterns.append(re_path(r"^%s(?P<path>.+)$" % settings.MEDIA_URL.lstrip("/"), media.serve, name="media"))

handler400 = "ocop_registry.errors.bad_request"
handler403 = "ocop_registry.errors.permission_denied"
handler404 = "ocop_registry.errors.page_not_found"
handler500 = "ocop_registry.errors.server_error"
