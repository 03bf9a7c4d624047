"""The Atom feed of new recognitions (``/san-pham/moi.atom``), filtered like the catalogue."""

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ocop_registry.site_url import absolute_url

from . import selectors
from .filters import CatalogueFilterSet

FEED_SIZE = 50  # the newest recognitions, as feed readers poll and remember what they saw


class NewRecognitionsFeed(Feed):
    """The products most recently recognised, newest decision first: one entry per recognition decision (a product
    recognised again is a new entry, with the new decision's id). Any catalogue filter applies (``?stars=4``,
    ``?district=380``, ``?group=…``, ``?q=…``); a malformed value is ignored, as the catalogue ignores it; by
    default, as on the catalogue, only certificates in force."""

    feed_type = Atom1Feed
    title = _("Sản phẩm OCOP mới được công nhận — Thanh Hóa")
    subtitle = _(
        "Các quyết định công nhận sản phẩm OCOP mới nhất của tỉnh Thanh Hóa: sản phẩm, hạng sao, số và ngày quyết định."
    )

    def get_object(self, request):
        return CatalogueFilterSet(request.GET, request=request)

    def link(self, filterset):
        """The catalogue under the same filters."""
        query = filterset.request.GET.urlencode()
        return reverse("products:product_list") + (f"?{query}" if query else "")

    def feed_url(self, filterset):
        return filterset.request.get_full_path()  # filters included

    def items(self, filterset):
        products = list(selectors.as_cards(filterset.qs).order_by("-cert_decision_date", "-cert_id")[:FEED_SIZE])
        for product in products:
            # One id per recognition decision, on the public site's address: a re-recognition is a new entry.
            url = absolute_url(product.get_absolute_url(), filterset.request)
            product.feed_id = f"{url}#cong-nhan-{product.cert_id}"
        return products

    def item_title(self, product):
        title = gettext("%(name)s — OCOP %(stars)s sao") % {"name": product.name, "stars": product.cert_stars}
        if product.is_demo or product.producer.is_demo:  # as every public page marks demo data
            title = gettext("[Minh họa] %(title)s") % {"title": title}
        return title

    def item_description(self, product):
        return gettext(
            "%(name)s của %(producer)s (%(commune)s) được công nhận sản phẩm OCOP %(stars)s sao theo quyết định số "
            "%(decision)s ngày %(date)s."
        ) % {
            "name": product.name,
            "producer": product.producer.name,
            "commune": product.commune.full_name,
            "stars": product.cert_stars,
            "decision": product.cert_decision_no,
            "date": product.cert_decision_date.strftime("%d/%m/%Y"),
        }

    def item_link(self, product):
        return product.get_absolute_url()

    def item_guid(self, product):
        return product.feed_id

    def item_pubdate(self, product):
        return timezone.make_aware(datetime.datetime.combine(product.cert_decision_date, datetime.time()))

    item_updateddate = item_pubdate

    def item_author_name(self, product):
        return product.producer.name

    def item_categories(self, product):
        return [gettext("%(stars)s sao") % {"stars": product.cert_stars}] + (
            [product.group.display_name] if product.group else []
        )
