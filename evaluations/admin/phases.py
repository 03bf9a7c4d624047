"""Programme phases and their targets: data the office keeps, which the dashboard measures progress against."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from ocop_registry.admin_search import FoldedTextSearchMixin
from ocop_registry.exports import ExportMixin
from ocop_registry.history_admin import HistoryAdmin

from ..models import Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 1
    fields = ("position", "label", "label_en", "measure", "min_stars", "max_stars", "target_count")


class PhaseAdmin(FoldedTextSearchMixin, ExportMixin, HistoryAdmin):
    list_display = ("name", "start", "end", "target_count")
    text_search_fields = ("name", "notes")
    inlines = (TargetInline,)
    export_fields = ("name", "start", "end", "notes")

    @admin.display(description=_("số chỉ tiêu"), ordering="number_of_targets")
    def target_count(self, obj):
        return obj.number_of_targets

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(number_of_targets=models.Count("targets"))
        return queryset.order_by(*self.model._meta.ordering)


class TargetAdmin(FoldedTextSearchMixin, ExportMixin, HistoryAdmin):
    list_display = ("label", "phase", "measure", "min_stars", "max_stars", "target_count", "position")
    list_filter = ("phase", "measure")
    list_select_related = ("phase",)
    text_search_fields = ("label", "label_en", "phase__name")
    export_fields = (
        "phase__name", "label", "label_en", "measure", "min_stars", "max_stars", "target_count", "position",
    )
