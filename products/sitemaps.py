"""sitemap.xml: the catalogue's public pages."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import selectors
from .models import Commune, Producer


class StaticPagesSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return ["products:home", "products:product_list", "products:commune_list", "products:help"]

    def location(self, item):
        return reverse(item)


class ProductSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return selectors.catalogue_products().order_by("pk")

    def lastmod(self, product):
        return product.updated_at


class ProducerSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        listed = selectors.catalogue_products().values("producer")
        return Producer.objects.filter(pk__in=listed).order_by("pk")

    def lastmod(self, producer):
        return producer.updated_at


class CommuneSitemap(Sitemap):
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
