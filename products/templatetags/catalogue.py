"""Template helpers for the public catalogue: stars, certificate badges, pictures, QR codes, the commune map."""

import functools
import math

import segno
from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from evaluations import rules

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


@register.simple_tag
def qr_svg(url, title=""):
    """The QR code of ``url`` as inline SVG (as printed on OCOP labels)."""
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


MAP_WIDTH = 600
MAP_PADDING = 16


@register.inclusion_tag("products/_partials/commune_map.html")
def commune_map(communes):
    """An offline map of the communes: equirectangular projection of their coordinates, drawn as SVG.

    Every commune with coordinates is a small dot; communes with valid certified products are
    circles sized by their count, each linking to the commune's page.
    """
    placed = [c for c in communes if c.latitude is not None and c.longitude is not None]
    if not placed:
        return {"points": [], "width": MAP_WIDTH, "height": 0}
    lat_min = min(c.latitude for c in placed)
    lat_max = max(c.latitude for c in placed)
    lon_min = min(c.longitude for c in placed)
    lon_max = max(c.longitude for c in placed)
    x_scale = math.cos(math.radians((lat_min + lat_max) / 2))
    span_x = max((lon_max - lon_min) * x_scale, 1e-6)
    span_y = max(lat_max - lat_min, 1e-6)
    inner = MAP_WIDTH - 2 * MAP_PADDING
    height = round(inner * span_y / span_x) + 2 * MAP_PADDING
    points = []
    for commune in placed:
        count = getattr(commune, "valid_count", 0)
        points.append(
            {
                "commune": commune,
                "x": round(MAP_PADDING + (commune.longitude - lon_min) * x_scale / span_x * inner, 1),
                "y": round(MAP_PADDING + (lat_max - commune.latitude) / span_y * (height - 2 * MAP_PADDING), 1),
                "r": round(4 + 3 * math.sqrt(count), 1) if count else 2,
                "count": count,
            }
        )
    points.sort(key=lambda p: p["count"])  # big circles last, drawn on top
    return {"points": points, "width": MAP_WIDTH, "height": height}
