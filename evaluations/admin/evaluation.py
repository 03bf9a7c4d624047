"""The evaluation list, and the ModelAdmin that puts together what staff do with evaluations.

Finding them (``filters`` and the folded search), entering scores (``entry``), taking decisions
(``decisions``), correcting decided ones (``locking``), importing a register (``importing``), and
exporting the list as filtered (``ocop_registry.exports``), with the change history of every record.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ocop_registry.admin_filters import titled
from ocop_registry.admin_search import FoldedSearchMixin
from ocop_registry.exports import ExportMixin
from ocop_registry.history_admin import HistoryAdmin

from .. import rules
from .decisions import DecisionActionsMixin
from .entry import EvaluationEntryMixin
from .filters import DecisionYearFilter, ProducerKindFilter, ProductGroupFilter, StarsFilter
from .importing import RegisterImportMixin
from .locking import EvaluationLockMixin


class EvaluationAdmin(
    EvaluationLockMixin,
    EvaluationEntryMixin,
    DecisionActionsMixin,
    RegisterImportMixin,
    FoldedSearchMixin,
    ExportMixin,
    HistoryAdmin,
):
    # Six columns that fit a 1280 px screen beside the navigation and the filters: the product with its producer
    # and commune, the council with its rule set, the status with the 5★ proposal, the decision's number with
    # its date.
    list_display = (
        "product_link",
        "council",
        "points",
        "stars_display",
        "status_display",
        "decision",
    )
    list_display_links = ("product_link",)
    list_select_related = ("product", "product__producer", "product__commune")
    list_filter = (
        StarsFilter,
        "level",
        "status",
        "rule_set",
        DecisionYearFilter,
        "proposed_national",
        ProductGroupFilter,
        ("product__commune", titled(admin.RelatedOnlyFieldListFilter, _("xã/phường"))),
        ("product__legacy_commune__district", titled(admin.RelatedOnlyFieldListFilter, _("huyện cũ (trước 2025)"))),
        ProducerKindFilter,
    )
    list_per_page = 100
    date_hierarchy = "decision_date"
    folded_search_fields = ("product__name_key", "product__producer__name_key", "product__commune__name_key")
    code_search_fields = ("decision_no", "product__code", "revocation_no", "proposal_no")
    export_fields = (
        ("product__name", _("Tên sản phẩm")),
        ("product__code", _("Mã sản phẩm")),
        ("product__producer__name", _("Chủ thể")),
        ("product__producer__kind", _("Loại hình chủ thể")),
        ("product__commune__name", _("Xã")),
        ("product__legacy_commune__name", _("Xã theo hồ sơ gốc")),
        ("product__legacy_commune__district__name", _("Huyện theo hồ sơ gốc")),
        ("product__group__code", _("Nhóm sản phẩm")),
        "evaluated_on",
        "rule_set",
        "score_a",
        "score_b",
        "score_c",
        ("total", _("Điểm")),
        ("stars", _("Hạng sao")),
        "not_rated",
        ("level", _("Cấp công nhận")),
        "status",
        ("decision_no", _("Số quyết định")),
        ("decision_date", _("Ngày quyết định")),
        "proposed_national",
        "proposal_no",
        "proposal_date",
        "revocation_no",
        "revocation_date",
        "notes",
    )

    @admin.display(description=_("sản phẩm / chủ thể, xã"), ordering="product__name_key")
    def product_link(self, obj):
        product = obj.product
        return format_html(
            '{}<span class="secondary">{} · {}</span>', product.name, product.producer.name, product.commune.full_name
        )

    @admin.display(description=_("cấp, bộ"), ordering="level")
    def council(self, obj):
        return format_html('{}<span class="secondary">{}</span>', obj.get_level_display(), obj.rule_set)

    @admin.display(description=_("điểm"), ordering="total")
    def points(self, obj):
        return "—" if obj.total is None else obj.total

    @admin.display(description=_("trạng thái"), ordering="status")
    def status_display(self, obj):
        if not obj.proposed_national:
            return obj.get_status_display()
        proposed = gettext("đề xuất %(stars)s★") % {"stars": rules.NATIONAL_STARS}
        return format_html('{}<span class="secondary">{}</span>', obj.get_status_display(), proposed)

    @admin.display(description=_("quyết định"), ordering="decision_date")
    def decision(self, obj):
        if not obj.decision_no:
            return "—"
        day = obj.decision_date.strftime("%d/%m/%Y") if obj.decision_date else ""
        return format_html('<span class="nowrap">{}</span><span class="secondary">{}</span>', obj.decision_no, day)

    @admin.display(description=_("sao"), ordering="stars")
    def stars_display(self, obj):
        if obj.not_rated:
            return gettext("Không đạt")
        if obj.stars is None:
            return "—"
        return format_html("<span title='{}'>{}★</span>", gettext("%(n)s sao") % {"n": obj.stars}, obj.stars)
