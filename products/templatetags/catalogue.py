"""Template helpers for the public catalogue: stars, certificate badges, pictures, QR codes, the commune map,
demo markers."""

import functools

import segno
from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from evaluations import rules
from ocop_registry.site_url import absolute_url

register = template.Library()

# QR codes kept per process (about 2 KB each): the most visited products' pages.
QR_MEMO_SIZE = 512


@register.simple_tag
def stars(count):
    """★★★★☆ with an accessible label ("4 sao")."""
    if not count:
        return format_html('<span class="stars stars-none">{}</span>', gettext("Chưa xếp hạng"))
    count = int(count)
    filled = "★" * count
    empty = "☆" * max(rules.NATIONAL_STARS - count, 0)
    label = gettext("%(stars)s sao") % {"stars": count}
    return format_html(
        '<span class="stars" role="img" aria-label="{}" title="{}"><span aria-hidden="true">{}<span class="stars-empty">{}</span></span></span>',
        label,
        label,
        filled,
        empty,
    )


@register.simple_tag
def certificate_badge(status):
    """The certificate status (``rules.CertificateStatus``) as a badge: its label, styled ``badge-<status>``."""
    known = status in rules.CertificateStatus.values
    status = rules.CertificateStatus(status) if known else rules.CertificateStatus.EXPIRED
    return format_html('<span class="badge badge-{}">{}</span>', status.value, status.label)


@register.simple_tag
def picture(obj, sizes="(min-width: 48rem) 20rem, 100vw", alt="", css="", eager=False):
    """A responsive ``<img>`` from the thumbnails (320/640/1024 px), never the full upload.

    The thumbnails were made when the image was saved (``products.models._thumbnail``): this only asks the
    storage for their URLs, without opening, checking or generating any file.
    """
    image = getattr(obj, "image", None)
    loading = "eager" if eager else "lazy"
    if image:
        try:
            srcset = ", ".join(
                f"{getattr(obj, f'thumb_{w}').url} {w}w" for w in (320, 640, 1024)
            )
            src = obj.thumb_640.url
        except (OSError, ValueError):  # no usable name (or a storage that cannot give a URL): the placeholder
            image = None
    if not image:
        return format_html(
            '<img class="{}" src="{}" alt="{}" width="320" height="240" loading="{}">',
            css,
            static("img/product-placeholder.svg"),
            alt,
            loading,
        )
    return format_html(
        '<img class="{}" src="{}" srcset="{}" sizes="{}" alt="{}" loading="{}" decoding="async">',
        css,
        src,
        srcset,
        sizes,
        alt,
        loading,
    )


# A product card (the catalogue, a commune's and a producer's lists, the home page's newest).
CARD = (
    '<li class="card"><a class="card-link" href="{url}">{picture}<span class="card-title">{name}</span></a>'
    '<div class="card-meta">{stars} {badge}{demo}</div>'
    '<p class="card-sub">{producer}<br>{commune}</p>{group}</li>'
)
CARD_SIZES = "(min-width: 64rem) 16rem, (min-width: 40rem) 45vw, 100vw"


@register.simple_tag
def product_cards(products):
    """The cards of catalogue products (``selectors.as_cards``), one ``<li class="card">`` each: built here in one
    pass rather than by including a template for each card, which cost a list page of 24 a third of its time."""
    demo = format_html(
        ' <span class="badge badge-demo" title="{}">{}</span>',
        gettext("Dữ liệu minh họa (demo), không phải hồ sơ thật"),
        gettext("Minh họa"),
    )
    return mark_safe("".join(
        format_html(
            CARD,
            url=product.get_absolute_url(),
            picture=picture(product, sizes=CARD_SIZES, css="card-img"),
            name=product.name,
            stars=stars(product.cert_stars),
            badge=certificate_badge(product.cert_status),
            demo=demo if product.is_demo or product.producer.is_demo else "",
            producer=product.producer.name,
            commune=product.commune.full_name,
            group=format_html('<p class="card-group">{}</p>', product.group.display_name) if product.group else "",
        )
        for product in products
    ))


@register.simple_tag
def qr_svg(url, title=""):
    """The QR code of ``url`` as inline SVG (as printed on OCOP labels); a path is taken on the public site
    (``settings.SITE_URL``), never on the host the page was opened at."""
    url = absolute_url(url) if url.startswith("/") else url
    return mark_safe(_qr_svg(url, title or url))


@functools.lru_cache(maxsize=QR_MEMO_SIZE)
def _qr_svg(url: str, title: str) -> str:
    """Encoding a QR code (choosing the most readable of its eight masks) takes segno about 12 ms, more than the
    rest of a product page; the SVG (about 2 KB) depends only on its arguments, so each process keeps the most
    recently used ones."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=4, border=2, title=title, svgclass="qr", omitsize=False)
    # Give the SVG an accessible role; segno writes a <title> inside it.
    return svg.replace("<svg ", '<svg role="img" ', 1)


@register.simple_tag
def public_phone(producer):
    """A producer's phone as public pages show it: a ``tel:`` link, or "" without one. A demo producer's
    (``is_demo``) is always a fictitious ``0000 000 0xx`` marked "số minh họa", never dialable, whatever the
    record holds (demo data loaded before issue 11 had realistic numbers)."""
    if producer.is_demo:
        return format_html('{} <span class="demo-tag">({})</span>', producer.shown_phone, gettext("số minh họa"))
    if not producer.phone:
        return ""
    return format_html('<a href="tel:{}">{}</a>', producer.phone, producer.phone)

