"""sitemap.xml: the catalogue's public pages, on the public site's address (``settings.SITE_URL``)."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from ocop_registry.site_url import site_parts

from . import selectors
from .models import Commune, Producer


class SiteSitemap(Sitemap):
    """Locations on ``SITE_URL``'s scheme and host when it is set; otherwise on the request's, as Django's
    sitemap view gives them (``RequestSite``: no django.contrib.sites)."""

    def get_protocol(self, protocol=None):
        return site_parts()[0] if settings.SITE_URL else super().get_protocol(protocol)

    def get_domain(self, site=None):
        return site_parts()[1] if settings.SITE_URL else super().get_domain(site)


class StaticPagesSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return ["products:home", "products:product_list", "products:commune_list", "evaluations:progress", "products:help"]

    def location(self, item):
        return reverse(item)


class ProductSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return selectors.catalogue_products().order_by("pk")

    def lastmod(self, product):
        return product.updated_at


class ProducerSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        listed = selectors.catalogue_products().values("producer")
        return Producer.objects.filter(pk__in=listed).order_by("pk")

    def lastmod(self, producer):
        return producer.updated_at


class CommuneSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.4

    def items(self):
        listed = selectors.catalogue_products().values("commune")
        return Commune.objects.filter(pk__in=listed).order_by("code")


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "products": ProductSitemap,
    "producers": ProducerSitemap,
    "communes": CommuneSitemap,
}
