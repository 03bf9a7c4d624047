"""The catalogue's one FilterSet, shared by the HTML list, the CSV download and the JSON API.

Query parameters: ``q``, ``stars`` (repeatable), ``group``, ``commune``, ``district``, ``producer_kind``,
``year``, ``status`` (``valid`` by default) and ``ordering``. Malformed values fail the form's validation:
the HTML list ignores them with a message, the API answers 400 (django-filter's DRF backend).
"""

from dataclasses import dataclass, field

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db import connections
from django.db.models import BooleanField, CharField, Count, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Cast
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from evaluations import rules
from evaluations.selectors import reads_current

from . import facet_summary
from .models import LegacyCommune, Producer, Product, ProductGroup
from .search import search_products
from .selectors import (
    CertificateStatus,
    catalogue_products,
    certificate_status_condition,
    decision_year,
    facet_labels,
    today,
    with_certificate_status,
)

PAGE_SIZE = 24

ALL_STATUSES = "all"  # the status filter's value for every status
# The public statuses (``rules.public_certificate_status``: "valid" includes certificates expiring soon), then all.
STATUS_CHOICES = [
    *((status.value, status.label) for status in (CertificateStatus.VALID, CertificateStatus.EXPIRED,
                                                   CertificateStatus.REVOKED)),
    (ALL_STATUSES, _("Tất cả")),
]
DEFAULT_STATUS = CertificateStatus.VALID.value
# The certificate statuses (``rules.CertificateStatus``) each choice of the status filter lists.
STATUS_SETS = {
    CertificateStatus.VALID.value: {status.value for status in rules.CERTIFICATE_IN_FORCE},
    CertificateStatus.EXPIRED.value: {CertificateStatus.EXPIRED.value},
    CertificateStatus.REVOKED.value: {CertificateStatus.REVOKED.value},
    ALL_STATUSES: {status.value for status in CertificateStatus},
}

ORDERING_CHOICES = [
    ("relevance", _("Phù hợp nhất")),  # the search's rank, then newest; without a search, newest
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
        method="filter_district",
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

    # How many products the list holds, once the facet counts told it (``facet_counts``): else None.
    total = None

    def __init__(self, data=None, queryset=None, *, day=None, **kwargs):
        """``queryset``: catalogue products (``selectors.catalogue_products``) of ``day``, today by default."""
        if data is not None:
            data = data.copy()
            if not data.get("status"):
                data["status"] = DEFAULT_STATUS
        self.day = day or today()
        self._whole_catalogue = queryset is None
        if queryset is None:
            queryset = catalogue_products(day=self.day)
        super().__init__(data=data, queryset=queryset, **kwargs)

    def get_form_class(self):
        """The filters' form, built once per process: django-filter builds a new form class (and a form field
        for every filter) on every request, though the filters never change (a tenth of an API list's time)."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:  # each subclass its own: its filters may differ
            cls._form_class = super().get_form_class()
        return cls._form_class

    def filter_queryset(self, queryset):
        """The list: ``queryset`` is the filterset's own (django-filter's ``qs``), searched once for the list and
        its facet counts (:attr:`_searched`)."""
        return self._narrowed()

    # Filter methods -------------------------------------------------------------

    def filter_text(self, queryset, name, value):
        # Matches (typos forgiven), annotates ``search_rank`` and orders best first: products/search.py.
        return search_products(queryset, value)

    def filter_stars(self, queryset, name, value):
        return queryset.filter(self.condition("stars", value))

    def filter_group(self, queryset, name, value):
        return queryset.filter(self.condition("group", value))

    def filter_status(self, queryset, name, value):
        return queryset.filter(self.condition("status", value))

    def filter_district(self, queryset, name, value):
        return queryset.filter(self.condition("district", value))

    def condition(self, name: str, value) -> Q:
        """The condition a facet filter with ``value`` puts on the catalogue: the list applies it, and the
        one-pass facet counts (:meth:`_grouped_counts`) read it as a flag."""
        if name == "stars":
            return Q(cert_stars__in=[int(v) for v in value])
        if name == "group":  # a group and its subgroups (no join: products without a group stay in the counts)
            return Q(group__in=ProductGroup.objects.filter(Q(code=value) | Q(parent__code=value)).values("pk"))
        if name == "status":
            return certificate_status_condition(value, day=self.day)
        if name == "district":  # as the group's: a product without a legacy commune stays in the counts
            return Q(legacy_commune__in=LegacyCommune.objects.filter(district__code=value).values("pk"))
        field = self.filters[name]
        return Q(**{f"{field.field_name}__{field.lookup_expr}": value})

    def filter_ordering(self, queryset, name, value):
        if value == "relevance":  # keep the search's order (best match first), or the default without a search
            return queryset
        return queryset.order_by(*ORDERINGS[value])

    # Facets ---------------------------------------------------------------------

    @property
    def invalid_fields(self):
        """Labels of the filters whose values were ignored because they were malformed."""
        self.is_valid()
        return [self.filters[name].label for name in self.form.errors if name in self.filters]

    @cached_property
    def _searched(self):
        """The catalogue narrowed by the text search, if any: the list and every facet's count start from it. Built
        once: the search asks the database first whether the words are found (``products.search``), and its
        conditions are by far the costliest part of the queries to build."""
        self.is_valid()
        return self.filters["q"].filter(self.queryset, self.form.cleaned_data.get("q", ""))

    def _narrowed(self, excluded: str = ""):
        """The searched catalogue under every valid filter except ``excluded``; a malformed status falls back to
        the default."""
        queryset = self._searched.all()
        for name, value in self.form.cleaned_data.items():
            if name not in ("q", excluded):
                queryset = self.filters[name].filter(queryset, value)
        if excluded != "status" and "status" not in self.form.cleaned_data:
            queryset = with_certificate_status(queryset, DEFAULT_STATUS, day=self.day)
        return queryset

    def queryset_without(self, excluded: str):
        """The results under every valid filter except ``excluded`` (for that filter's counts)."""
        return self._narrowed(excluded).order_by()

    def facet_keys(self) -> dict:
        """``{facet: expression}``: the value each product counts under in a facet, read from its own
        (current-recognition) columns."""
        return {
            "stars": F("cert_stars"),
            "group": F("group_id"),  # counted under the group and, for a subgroup, its group too
            "commune": F("commune_id"),
            "district": F("legacy_commune__district_id"),
            "producer_kind": F("producer__kind"),
            "year": decision_year(until=self.day),  # cert_year, cheaper to group by on SQLite
            "status": F("cert_status"),  # an expiring certificate counts as valid
        }

    def facet_counts(self) -> dict:
        """``{facet: {value: count}}``: for each facet, the results under every other filter, counted by the
        facet's value (:meth:`facet_keys`). The unfiltered list of today (only a status chosen) reads them from the
        facet summary (``products.facet_summary``): two small queries, none over the products. Any other list
        counts them in one query: a search on PostgreSQL in one pass over its matches (:meth:`_grouped_counts`:
        the search's conditions, the dearest, are evaluated once instead of seven times), any other a UNION ALL of
        one grouped count per facet (:meth:`_union_counts`: each part reads only the rows its filters leave, which
        at 20,000 products costs half what one pass over them all costs). Either way the counts tell the list's
        length (:attr:`total`)."""
        counts = self._summary_counts()
        if counts is None:
            one_pass = self.form.cleaned_data.get("q") and connections[self.queryset.db].vendor == "postgresql"
            counts = self._grouped_counts() if one_pass else self._union_counts()
        # The status facet counts the list under every other filter, by status: its chosen statuses are the list.
        self.total = sum(counts["status"].get(status, 0) for status in self._chosen_statuses())
        return counts

    def _union_counts(self) -> dict:
        """Each facet's counts as a grouped count of :meth:`queryset_without` it, the seven in one UNION ALL."""
        keys = self.facet_keys()
        parts = [
            self.queryset_without(name)
            .values(facet=Value(index), key=Cast(key, output_field=CharField()))
            .annotate(n=Count("pk"))
            .order_by()
            for index, (name, key) in enumerate(keys.items())
        ]
        names = list(keys)
        counts = {name: {} for name in names}
        for row in parts[0].union(*parts[1:], all=True):
            facet = counts[names[row["facet"]]]
            facet[row["key"]] = facet.get(row["key"], 0) + row["n"]
        return counts

    def _grouped_counts(self) -> dict:
        """Each facet's counts in one pass over the searched catalogue (PostgreSQL's ``GROUPING SETS``): one set per
        facet, each facet's count restricted by every active filter but its own (``COUNT(*) FILTER``, over a flag
        per filter computed from the filter's own condition). The same figures as :meth:`_union_counts` (tests
        compare them), reading the products once instead of seven times."""
        keys = self.facet_keys()
        conditions = self._active_conditions()
        flags = {f"f_{name}": ExpressionWrapper(condition, output_field=BooleanField())
                 for name, condition in conditions.items()}
        columns = {f"k_{name}": Cast(key, output_field=CharField()) for name, key in keys.items()}
        inner, params = self._searched.order_by().values(**columns, **flags).query.sql_with_params()
        connection = connections[self.queryset.db]
        qn = connection.ops.quote_name
        names, keyed = list(keys), [qn(f"k_{name}") for name in keys]
        counted = []
        for name in names:
            others = [qn(f"f_{other}") for other in conditions if other != name]
            counted.append(f"COUNT(*) FILTER (WHERE {' AND '.join(others) or 'TRUE'})")
        sql = (
            f"SELECT GROUPING({', '.join(keyed)}), {', '.join(keyed)}, {', '.join(counted)} "
            f"FROM ({inner}) AS catalogue GROUP BY GROUPING SETS ({', '.join(f'({column})' for column in keyed)})"
        )
        # GROUPING() has a bit per column, the first the highest, set where the row's set does not group by it.
        every = (1 << len(names)) - 1
        facet_of = {every ^ (1 << (len(names) - 1 - index)): index for index in range(len(names))}
        counts = {name: {} for name in names}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for grouping, *row in cursor.fetchall():
                index = facet_of[grouping]
                key, n = row[index], row[len(names) + index]
                if n:
                    counts[names[index]][key] = n
        return counts

    def _active_conditions(self) -> dict:
        """``{filter: Q}`` for each facet filter that narrows the list (the status always does, unless "all")."""
        self.is_valid()
        cleaned = self.form.cleaned_data
        conditions = {}
        for name in self.FACETS:
            value = cleaned.get(name)
            if name == "status":
                value = value or DEFAULT_STATUS
            if value not in (None, "", [], ()):
                condition = self.condition(name, value)
                if condition:
                    conditions[name] = condition
        return conditions

    def count(self) -> int:
        """How many products the list holds: the unfiltered list of today's from the facet summary's status
        counts (no count over the products); any other list's counted."""
        if self.total is None and (summary := self._summary_counts(facets=("status",))) is not None:
            self.total = sum(summary["status"].get(status, 0) for status in self._chosen_statuses())
        return self.qs.count() if self.total is None else self.total

    def _chosen_statuses(self) -> set:
        return STATUS_SETS[self.form.cleaned_data.get("status") or DEFAULT_STATUS]

    def _summary_counts(self, **kwargs) -> dict | None:
        """The facet summary's counts when they apply: today's catalogue, no filter but the status."""
        self.is_valid()
        cleaned = self.form.cleaned_data
        if not self._whole_catalogue or not reads_current(self.day):
            return None
        if any(value for name, value in cleaned.items() if name not in ("status", "ordering")):
            return None
        return facet_summary.counts(self.day, self._chosen_statuses(), **kwargs)

    def facets(self) -> dict:
        """``{filter name: Facet}`` with the count of results next to each value.

        Each filter's counts apply every other filter (so choosing 4★ still shows how many 3★
        there are). The counts are one query over the products' current-recognition columns
        (:meth:`facet_counts`); the groups, communes and districts are named from reference data read once per
        data version (``selectors.facet_labels``): one query, whatever the data and the filters.
        """
        self.is_valid()
        cleaned = self.form.cleaned_data
        counts = self.facet_counts()

        def ids(facet):
            """The facet's counts by row id (the keys come back as text)."""
            return {int(key): n for key, n in counts[facet].items() if key is not None}

        facets = {}
        selected = set(cleaned.get("stars") or ())
        facets["stars"] = Facet(
            "stars",
            [Option(str(v), label, counts["stars"].get(str(v), 0), str(v) in selected) for v, label in STAR_CHOICES],
        )

        labels = facet_labels()
        groups = labels.groups
        codes = {g.pk: g.code for g in groups}
        by_group, group_counts = ids("group"), {}
        for group in groups:
            count = by_group.get(group.pk, 0)
            for code in {group.code, codes.get(group.parent_id)} - {None}:
                group_counts[code] = group_counts.get(code, 0) + count
        chosen = cleaned.get("group") or ""
        options = []
        for group in groups:
            count = group_counts.get(group.code, 0)
            if count or group.code == chosen:
                label = f"{group.code}. {group.display_name}"
                options.append(Option(group.code, label, count, group.code == chosen, nested=group.is_subgroup))
        facets["group"] = Facet("group", options)

        by_commune = ids("commune")
        chosen = cleaned.get("commune") or ""
        facets["commune"] = Facet(
            "commune",
            [
                Option(code, name, by_commune.get(pk, 0), code == chosen)
                for pk, code, name in labels.communes
                if pk in by_commune or code == chosen
            ],
        )

        by_district = ids("district")
        chosen = cleaned.get("district") or ""
        facets["district"] = Facet(
            "district",
            [
                Option(code, name, by_district.get(pk, 0), code == chosen)
                for pk, code, name in labels.districts
                if pk in by_district or code == chosen
            ],
        )

        chosen = cleaned.get("producer_kind") or ""
        facets["producer_kind"] = Facet(
            "producer_kind",
            [Option(v, label, counts["producer_kind"].get(v, 0), v == chosen) for v, label in Producer.Kind.choices],
        )

        by_year = ids("year")
        chosen = cleaned.get("year")
        years = sorted({*by_year, *([chosen] if chosen else [])}, reverse=True)
        facets["year"] = Facet("year", [Option(str(y), str(y), by_year.get(y, 0), y == chosen) for y in years])

        by_status = {}
        for status, n in counts["status"].items():
            public = rules.public_certificate_status(status)
            by_status[public] = by_status.get(public, 0) + n
        by_status[ALL_STATUSES] = sum(by_status.values())
        chosen = cleaned.get("status") or DEFAULT_STATUS
        facets["status"] = Facet(
            "status", [Option(v, label, by_status.get(v, 0), v == chosen) for v, label in STATUS_CHOICES]
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
