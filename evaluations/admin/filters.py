"""Finding evaluations on the list: the filters staff use beside Django's own.

The product list reuses them over its own columns (``products/admin.py`` overrides the paths). A value
that is not one of the filter's own is ignored, never an error.
"""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from products.models import ProducerKind, ProductGroup

from .. import rules
from ..forms import MAX_AS_OF, MIN_AS_OF
from ..models import Evaluation


class StarsFilter(admin.SimpleListFilter):
    title = _("hạng sao")
    parameter_name = "sao"
    field_path = "stars"
    not_rated_path = "not_rated"
    not_rated_value = "khong-dat"
    no_stars_value = "chua-co"

    def lookups(self, request, model_admin):
        choices = [(str(stars), _("%(n)s sao") % {"n": stars}) for stars in rules.STARS]
        return [*choices, (self.not_rated_value, _("Không đạt")), (self.no_stars_value, _("Chưa có hạng sao"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.not_rated_value:
            return queryset.filter(**{self.not_rated_path: True})
        if value == self.no_stars_value:
            return queryset.filter(**{f"{self.field_path}__isnull": True, self.not_rated_path: False})
        # Only the stars of rules.STARS: str.isdigit() also accepts "²" or "٣", which int() refuses or
        # reads as a star, and a huge number overflows the database integer.
        if value in {str(stars) for stars in rules.STARS}:
            return queryset.filter(**{self.field_path: int(value)})
        return queryset


class DecisionYearFilter(admin.SimpleListFilter):
    """The year of the decision. Only years written in ASCII digits within the range the dashboard accepts
    (1900–2999, ``evaluations.forms``) filter; anything else is ignored, as ``?nam=0000`` would fail with "year 0 is out of range"."""

    title = _("năm quyết định")
    parameter_name = "nam"
    years = range(MIN_AS_OF.year, MAX_AS_OF.year + 1)

    def lookups(self, request, model_admin):
        years = Evaluation.objects.exclude(decision_date=None).dates("decision_date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value.isascii() and value.isdigit() and int(value) in self.years:
            return queryset.filter(decision_date__year=int(value))
        return queryset


class ProducerKindFilter(admin.SimpleListFilter):
    title = _("loại hình chủ thể")
    parameter_name = "loai_chu_the"
    kind_path = "product__producer__kind"

    def lookups(self, request, model_admin):
        return ProducerKind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.kind_path: self.value()})
        return queryset


class ProductGroupFilter(admin.SimpleListFilter):
    """A group ("I") takes in its subgroups ("I.3"); a subgroup is exact."""

    title = _("nhóm sản phẩm")
    parameter_name = "nhom"
    group_path = "product__group"

    def lookups(self, request, model_admin):
        # Subgroups indented with a dash; the admin's template escapes the names.
        return [
            (group.code, f"— {group}" if group.parent_id else str(group))
            for group in ProductGroup.objects.order_by("code")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{self.group_path}__code": value}) | Q(**{f"{self.group_path}__parent__code": value})
        )
