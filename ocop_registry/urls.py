from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.cache import cache_page

from products.sitemaps import SITEMAPS
from products.views import robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    # Crawlers fetch the sitemap often and it lists every catalogue page: an hour-old copy is fine.
    path("sitemap.xml", cache_page(60 * 60)(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("ocop_registry.api_urls")),
    path("bang-dieu-khien/", include("evaluations.urls")),
    path("", include("products.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
