"""The catalogue's one FilterSet, shared by the HTML list, the CSV download and the JSON API.

Query parameters: ``q``, ``stars`` (repeatable), ``group``, ``commune``, ``district``, ``producer_kind``,
``year``, ``status`` (``valid`` by default) and ``ordering``. Malformed values fail the form's validation:
the HTML list ignores them with a message, the API answers 400 (django-filter's DRF backend).
"""

from dataclasses import dataclass, field

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Count, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from evaluations import rules

from .models import Commune, LegacyDistrict, Producer, Product, ProductGroup
from .normalise import fold
from .selectors import CertificateStatus, catalogue_products, with_certificate_status

MAX_QUERY_CHARS = 100
PAGE_SIZE = 24

STATUS_CHOICES = [
    (CertificateStatus.VALID, _("Còn hiệu lực")),
    (CertificateStatus.EXPIRED, _("Hết hiệu lực")),
    (CertificateStatus.REVOKED, _("Đã thu hồi")),
    (CertificateStatus.ALL, _("Tất cả")),
]
DEFAULT_STATUS = CertificateStatus.VALID

ORDERING_CHOICES = [
    ("newest", _("Mới công nhận")),
    ("stars", _("Hạng sao cao trước")),
    ("name", _("Tên A–Z")),
]
ORDERINGS = {
    "newest": ("-cert_decision_date", "name_key", "pk"),
    "stars": ("-cert_stars", "-cert_decision_date", "name_key", "pk"),
    "name": ("name_key", "pk"),
}
STAR_CHOICES = [
    (stars, format_lazy("{stars} {unit}", stars=stars, unit=_("sao")))
    for stars in rules.CERTIFIED_STARS
]


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1990)
        kwargs.setdefault("max_value", 2100)
        super().__init__(**kwargs)


class YearFilter(django_filters.Filter):
    field_class = YearField


class CatalogueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Tìm kiếm"),
        method="filter_text",
        help_text=_("Tên sản phẩm, chủ thể hoặc xã/phường; không phân biệt hoa thường hay dấu."),
    )
    stars = django_filters.MultipleChoiceFilter(
        label=_("Hạng sao"), choices=STAR_CHOICES, field_name="cert_stars", method="filter_stars"
    )
    group = django_filters.CharFilter(
        label=_("Nhóm, phân nhóm"),
        method="filter_group",
        validators=[RegexValidator(r"^[IVX]{1,4}(\.[0-9]{1,2})?\Z", _("Mã nhóm sản phẩm không hợp lệ."))],
    )
    commune = django_filters.CharFilter(
        label=_("Xã, phường hiện nay"),
        field_name="commune__code",
        validators=[RegexValidator(r"^[0-9]{5}\Z", _("Mã xã/phường gồm 5 chữ số."))],
    )
    district = django_filters.CharFilter(
        label=_("Huyện cũ (trước 2025)"),
        field_name="legacy_commune__district__code",
        validators=[RegexValidator(r"^[0-9]{3}\Z", _("Mã huyện gồm 3 chữ số."))],
    )
    producer_kind = django_filters.ChoiceFilter(
        label=_("Loại chủ thể"), field_name="producer__kind", choices=Producer.Kind.choices
    )
    year = YearFilter(label=_("Năm công nhận"), field_name="cert_year")
    status = django_filters.ChoiceFilter(
        label=_("Tình trạng chứng nhận"), choices=STATUS_CHOICES, method="filter_status", empty_label=None
    )
    ordering = django_filters.ChoiceFilter(
        label=_("Sắp xếp"), choices=ORDERING_CHOICES, method="filter_ordering", empty_label=None
    )

    # Filters whose values get a facet count; ordering and text search do not.
    FACETS = ("stars", "group", "commune", "district", "producer_kind", "year", "status")

    class Meta:
        model = Product
        fields = []  # every filter is declared above

    def __init__(self, data=None, queryset=None, **kwargs):
        if data is not None:
            data = data.copy()
            if not data.get("status"):
                data["status"] = DEFAULT_STATUS
        if queryset is None:
            queryset = catalogue_products()
        super().__init__(data=data, queryset=queryset, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "status" not in self.form.cleaned_data:  # a malformed status falls back to the default
            queryset = with_certificate_status(queryset, DEFAULT_STATUS)
        return queryset

    # Filter methods -------------------------------------------------------------

    def filter_text(self, queryset, name, value):
        # A very long query is cut rather than refused: nothing longer can match a name.
        key = fold(value[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]
        if not key:
            return queryset
        return queryset.filter(
            Q(name_key__contains=key)
            | Q(producer__name_key__contains=key)
            | Q(commune__name_key__contains=key)
            | Q(legacy_commune__name_key__contains=key)
        )

    def filter_stars(self, queryset, name, value):
        return queryset.filter(cert_stars__in=[int(v) for v in value])

    def filter_group(self, queryset, name, value):
        return queryset.filter(Q(group__code=value) | Q(group__parent__code=value))

    def filter_status(self, queryset, name, value):
        return with_certificate_status(queryset, value)

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])

    # Facets ---------------------------------------------------------------------

    @property
    def invalid_fields(self):
        """Labels of the filters whose values were ignored because they were malformed."""
        self.is_valid()
        return [self.filters[name].label for name in self.form.errors if name in self.filters]

    def queryset_without(self, excluded: str):
        """The results under every valid filter except ``excluded`` (for that filter's counts)."""
        self.is_valid()
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != excluded:
                queryset = self.filters[name].filter(queryset, value)
        if excluded != "status" and "status" not in self.form.cleaned_data:
            queryset = with_certificate_status(queryset, DEFAULT_STATUS)
        return queryset.order_by()

    def facets(self) -> dict:
        """``{filter name: Facet}`` with the count of results next to each value.

        Each filter's counts apply every other filter (so choosing 4★ still shows how many 3★
        there are): one grouped query per facet plus three small label queries, whatever the data.
        """
        self.is_valid()
        cleaned = self.form.cleaned_data

        def grouped(name, *keys):
            return list(self.queryset_without(name).values(*keys).annotate(n=Count("pk")).order_by())

        facets = {}
        counts = {row["cert_stars"]: row["n"] for row in grouped("stars", "cert_stars")}
        selected = set(cleaned.get("stars") or ())
        facets["stars"] = Facet(
            "stars",
            [Option(str(v), label, counts.get(v, 0), str(v) in selected) for v, label in STAR_CHOICES],
        )

        group_counts = {}
        for row in grouped("group", "group__code", "group__parent__code"):
            for code in {row["group__code"], row["group__parent__code"]} - {None}:
                group_counts[code] = group_counts.get(code, 0) + row["n"]
        chosen = cleaned.get("group") or ""
        options = []
        for group in ProductGroup.objects.all():
            count = group_counts.get(group.code, 0)
            if count or group.code == chosen:
                label = f"{group.code}. {group.display_name}"
                options.append(Option(group.code, label, count, group.code == chosen, nested=group.is_subgroup))
        facets["group"] = Facet("group", options)

        counts = {row["commune__code"]: row["n"] for row in grouped("commune", "commune__code")}
        chosen = cleaned.get("commune") or ""
        communes = Commune.objects.filter(code__in={*counts, chosen}).order_by("name_key")
        facets["commune"] = Facet(
            "commune", [Option(c.code, c.full_name, counts.get(c.code, 0), c.code == chosen) for c in communes]
        )

        counts = {row["legacy_commune__district__code"]: row["n"] for row in grouped("district", "legacy_commune__district__code")}
        chosen = cleaned.get("district") or ""
        districts = LegacyDistrict.objects.filter(code__in={*counts, chosen} - {None}).order_by("name_key")
        facets["district"] = Facet(
            "district", [Option(d.code, str(d), counts.get(d.code, 0), d.code == chosen) for d in districts]
        )

        counts = {row["producer__kind"]: row["n"] for row in grouped("producer_kind", "producer__kind")}
        chosen = cleaned.get("producer_kind") or ""
        facets["producer_kind"] = Facet(
            "producer_kind",
            [Option(v, label, counts.get(v, 0), v == chosen) for v, label in Producer.Kind.choices],
        )

        counts = {row["cert_year"]: row["n"] for row in grouped("year", "cert_year")}
        chosen = cleaned.get("year")
        years = sorted({*counts, *([chosen] if chosen else [])}, reverse=True)
        facets["year"] = Facet("year", [Option(str(y), str(y), counts.get(y, 0), y == chosen) for y in years])

        counts = {}
        for row in grouped("status", "cert_status"):
            key = CertificateStatus.VALID if row["cert_status"] == CertificateStatus.EXPIRING else row["cert_status"]
            counts[key] = counts.get(key, 0) + row["n"]
        counts[CertificateStatus.ALL] = sum(counts.values())
        chosen = cleaned.get("status") or DEFAULT_STATUS
        facets["status"] = Facet(
            "status", [Option(v, label, counts.get(v, 0), v == chosen) for v, label in STATUS_CHOICES]
        )
        for name, facet in facets.items():
            facet.label = self.filters[name].label
        return facets


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool = False
    nested: bool = False


@dataclass
class Facet:
    name: str
    options: list = field(default_factory=list)
    label: str = ""

    @property
    def selected(self):
        return [option for option in self.options if option.selected]
