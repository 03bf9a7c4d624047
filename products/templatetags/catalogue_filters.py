"""Template helpers for the catalogue's filters (the removable chips) and the communes map (``products.maps``).

Both work on what the view already put in the context (``request.GET``, the filterset and its facets, the
communes with their counts): they never query.
"""

from dataclasses import dataclass, field
from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from products import maps
from products.filters import ALL_STATUSES, DEFAULT_STATUS

register = template.Library()

# --- A facet's options -------------------------------------------------------------------------------------------


@register.simple_tag
def facet_options(facet):
    """The ``<option>``s of a facet's select: "label (count)", the chosen one selected, a subgroup indented. Here
    rather than in a template loop, and escaped with the standard library's ``html.escape`` (the same entities as
    Django's ``escape``, without its lazy-string wrapper): the catalogue's ~240 options (every commune, district
    and group) cost the template several milliseconds a request."""
    return mark_safe("".join(
        f'<option value="{escape(str(o.value))}"{" selected" if o.selected else ""}>'
        f'{"&nbsp;&nbsp;" if o.nested else ""}{escape(str(o.label))} ({o.count:d})</option>'
        for o in facet.options
    ))


# --- Chips: the active filters, each a link to the same list without it ----------------------------------------

# The panel's filters, in the panel's order. The search text has its own box, the ordering is not a filter.
CHIP_FILTERS = ("stars", "status", "group", "commune", "district", "producer_kind", "year")
# Kept by "clear every filter": what the person searched for and how the list is sorted.
KEPT_WHEN_CLEARED = ("q", "ordering")


@dataclass(frozen=True)
class Chip:
    text: str  # what the chip shows
    url: str  # the same list without this value


@dataclass
class FilterChips:
    active: list = field(default_factory=list)  # filters that narrow the list
    ignored: list = field(default_factory=list)  # malformed values the list ignored
    clear_url: str = ""  # the list with the search text and ordering only


def _same_value(raw: str, value: str) -> bool:
    """Whether the submitted ``raw`` is ``value`` once cleaned (the form strips text and reads years as numbers)."""
    raw = raw.strip()
    return raw == value or (raw.isdigit() and value.isdigit() and int(raw) == int(value))


def _url(path: str, query, *, drop: str = "", value: str | None = None, keep=None) -> str:
    """``path`` with ``query`` less ``drop`` (only its ``value`` if given), empty values and the page number;
    with ``keep``, only those parameters."""
    remaining = query.copy()
    for name in list(remaining):
        values = remaining.getlist(name)
        if name == "page" or (keep is not None and name not in keep) or (name == drop and value is None):
            values = []
        elif name == drop:
            values = [v for v in values if not _same_value(v, value)]
        remaining.setlist(name, [v for v in values if v.strip()])
        if not remaining.getlist(name):
            del remaining[name]
    encoded = remaining.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _chip_text(name, option) -> str:
    """A short text for a chosen value: its label, unless the value means little alone ("2023", "Tất cả")."""
    if name == "year":
        return gettext("Công nhận năm %(year)s") % {"year": option.label}
    if name == "status" and option.value == ALL_STATUSES:
        return gettext("Mọi tình trạng")
    return str(option.label)


@register.simple_tag(takes_context=True)
def filter_chips(context, filterset, facets) -> FilterChips:
    """The active filters of the catalogue as removable chips, from ``request.GET`` and the view's facets.

    The default status (valid certificates) is no chip: removing it would change nothing.
    """
    request = context["request"]
    path, query = request.path, request.GET
    chips = FilterChips(clear_url=_url(path, query, keep=KEPT_WHEN_CLEARED))
    for name in CHIP_FILTERS:
        facet = facets.get(name)
        if facet is None:
            continue
        for option in facet.selected:
            if name == "status" and option.value == DEFAULT_STATUS:
                continue
            url = _url(path, query, drop=name, value=option.value)
            chips.active.append(Chip(text=_chip_text(name, option), url=url))
    for name in filterset.form.errors:
        raw = ", ".join(v for v in query.getlist(name) if v.strip())
        if name in filterset.filters and raw:
            text = gettext("%(filter)s: “%(value)s” (bị bỏ qua)") % {
                "filter": filterset.filters[name].label,
                "value": raw[:30],
            }
            chips.ignored.append(Chip(text=text, url=_url(path, query, drop=name)))
    return chips


register.simple_tag(maps.province_map, name="province_map")
