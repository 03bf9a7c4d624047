"""Admin for the registry's units, producers, groups and products (Vietnamese labels from the models).

Search everywhere ignores case and diacritics (``ocop_registry.admin_search``); every changelist exports its
filtered rows to XLSX and CSV (``ocop_registry.exports``); producers and products keep a full change history
(``ocop_registry.history_admin``).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import Case, Count, Value, When
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluations import rules
from evaluations.admin import (
    EvaluationInline,
    ProducerKindFilter,
    ProductGroupFilter,
    RenewalLetterActions,
    StarsFilter,
    renewal_notice_display,
)
from evaluations.models import Evaluation, EvaluationStatus
from evaluations.services import recognitions_resequence
from ocop_registry.admin_filters import titled
from ocop_registry.admin_search import FoldedSearchMixin, FoldedTextSearchMixin
from ocop_registry.exports import ExportMixin
from ocop_registry.history_admin import HistoryAdmin

from .images import ACCEPT, image_sanitise
from .models import (
    Commune,
    LegacyCommune,
    LegacyDistrict,
    LegacySector,
    Producer,
    Product,
    ProductGroup,
    ProductImage,
)
from .services import producer_insert, product_insert

admin.site.site_header = _("Quản trị OCOP Thanh Hóa")
admin.site.site_title = _("Quản trị OCOP Thanh Hóa")
admin.site.index_title = _("Sổ đăng ký sản phẩm OCOP")


class RegistryAdmin(FoldedSearchMixin, ExportMixin, admin.ModelAdmin):
    list_per_page = 100


class ProductCountMixin:
    """A "number of products" column, counted in the list's own query."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(product_total=Count("products"))
        return queryset.order_by(*self.model._meta.ordering)

    @admin.display(description=_("số sản phẩm"), ordering="product_total")
    def number_of_products(self, obj):
        return obj.product_total


class InsertThroughServiceMixin:
    """New rows are saved by the app's service (``insert``: slug, code, history entry); changes as usual."""

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        obj._history_user = request.user  # as SimpleHistoryAdmin.save_model does
        self.insert(obj)


# --- Administrative units -----------------------------------------------------------------------------


@admin.register(Commune)
class CommuneAdmin(ProductCountMixin, RegistryAdmin):
    list_display = ("name", "kind", "code", "area_km2", "number_of_products")
    list_filter = ("kind",)
    code_search_fields = ("code",)
    readonly_fields = ("slug",)
    export_fields = ("code", "name", "kind", "slug", "latitude", "longitude", "area_km2")



@admin.register(LegacyDistrict)
class LegacyDistrictAdmin(RegistryAdmin):
    list_display = ("name", "kind", "code", "former_names")
    list_filter = ("kind",)
    code_search_fields = ("code",)
    export_fields = ("code", "name", "kind", "latitude", "longitude")


@admin.register(LegacyCommune)
class LegacyCommuneAdmin(RegistryAdmin):
    list_display = ("name", "kind", "code", "district", "successor", "former_names")
    list_filter = ("kind", ("district", titled(admin.RelatedFieldListFilter, _("huyện cũ (trước 2025)"))))
    list_select_related = ("district", "successor")
    folded_search_fields = ("name_key", "district__name_key", "successor__name_key")
    code_search_fields = ("code",)
    autocomplete_fields = ("district", "successor", "other_successors")
    export_fields = (
        "code",
        "name",
        "kind",
        ("district__name", _("Huyện")),
        ("successor__name", _("Xã/phường kế thừa")),
        "latitude",
        "longitude",
    )


# --- Producers ---------------------------------------------------------------------------------------------------


class ProducerForm(forms.ModelForm):
    """A producer, with a warning before saving a likely duplicate: the same folded name in the same commune.

    The clerk sees the existing producer(s), linked, and a "Vẫn lưu" (save anyway) box that appears only then.
    """

    confirm_duplicate = forms.BooleanField(label=_("Vẫn lưu"), required=False, widget=forms.HiddenInput)

    class Meta:
        model = Producer
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confirm_duplicate") or not {"name", "commune"} & set(self.changed_data):
            return cleaned
        name, commune = cleaned.get("name"), cleaned.get("commune")
        if name and commune:
            duplicates = list(
                Producer.objects.likely_duplicates(name=name, commune_id=commune.pk, exclude_pk=self.instance.pk)[:3]
            )
            if duplicates:
                self._ask_to_confirm(duplicates, commune)
        return cleaned

    def _ask_to_confirm(self, duplicates, commune):
        links = format_html_join(
            ", ", '<a href="{}">{}</a>',
            ((reverse("admin:products_producer_change", args=[producer.pk]), producer.name) for producer in duplicates),
        )
        message = format_html(
            gettext("{commune} đã có chủ thể cùng tên: {links}. Có thể đây là cùng một chủ thể; nếu đúng là chủ thể "
                    "khác, đánh dấu “Vẫn lưu” rồi lưu lại."),
            commune=commune, links=links,
        )
        field = self.fields["confirm_duplicate"]
        field.widget = forms.CheckboxInput()
        field.help_text = gettext("Lưu dù đã có chủ thể cùng tên trong cùng xã/phường.")
        self.add_error("name", message)


@admin.register(Producer)
class ProducerAdmin(
    RenewalLetterActions, ProductCountMixin, InsertThroughServiceMixin, FoldedSearchMixin, ExportMixin, HistoryAdmin
):
    actions = ("send_renewal_notice", "download_renewal_letter")
    list_display = ("name", "kind", "commune", "tax_code", "phone", "number_of_products", "is_demo")
    list_filter = ("kind", ("commune", titled(admin.RelatedOnlyFieldListFilter, _("xã/phường"))), "is_demo")
    list_select_related = ("commune",)
    list_per_page = 100
    folded_search_fields = ("name_key", "commune__name_key")
    code_search_fields = ("tax_code", "phone")
    autocomplete_fields = ("commune",)
    readonly_fields = ("slug", "created_at", "updated_at")
    form = ProducerForm
    fieldsets = (
        (None, {"fields": ("name", "kind", "commune", "address", "confirm_duplicate")}),
        (_("Liên hệ"), {"fields": ("tax_code", "representative", "phone", "email")}),
        (_("Khác"), {"fields": ("is_demo", "slug", "created_at", "updated_at")}),
    )
    export_fields = (
        "name",
        ("kind", _("Loại hình chủ thể")),
        "tax_code",
        "representative",
        "phone",
        "email",
        "address",
        ("commune__name", _("Xã")),
        "is_demo",
    )

    def insert(self, obj):
        producer_insert(producer=obj)


# --- Product groups -------------------------------------------------------------------------------------------


class LegacySectorInline(admin.TabularInline):
    model = LegacySector
    extra = 0


@admin.register(ProductGroup)
class ProductGroupAdmin(FoldedTextSearchMixin, ExportMixin, admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent", "position")
    list_filter = (("parent", titled(admin.RelatedFieldListFilter, _("nhóm"))),)
    list_select_related = ("parent",)
    list_per_page = 100
    text_search_fields = ("code", "name", "name_en")
    inlines = (LegacySectorInline,)
    export_fields = ("code", "name", "name_en", ("parent__code", _("Nhóm")), "position")


@admin.register(LegacySector)
class LegacySectorAdmin(FoldedTextSearchMixin, ExportMixin, admin.ModelAdmin):
    list_display = ("name", "group")
    list_select_related = ("group",)
    list_per_page = 100
    text_search_fields = ("name", "group__name", "group__code")
    export_fields = ("name", ("group__code", _("Nhóm theo Quyết định 148")))


# --- Products ----------------------------------------------------------------------------------------------------


class ImageUploadField(forms.ImageField):
    """An uploaded product image, checked and stored clean (``products.images``): each refusal is a message on
    the field. The stored file is the re-encoded one, named by its real format."""

    default_validators = []  # the name's extension says nothing: the decoded format is what counts

    def __init__(self, **kwargs):
        kwargs["help_text"] = kwargs.get("help_text") or (
            gettext("JPEG, PNG hoặc WebP, tối đa %(size)s và %(megapixels)s megapixel. Thông tin EXIF (như vị trí GPS) "
               "được xoá khi lưu.")
            % {"size": filesizeformat(settings.MAX_IMAGE_BYTES), "megapixels": settings.MAX_IMAGE_PIXELS // 1_000_000},
        )
        super().__init__(**kwargs)

    def to_python(self, data):
        if data in self.empty_values:
            return None
        if not getattr(data, "name", None) or not hasattr(data, "size"):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not data.size:
            raise forms.ValidationError(self.error_messages["empty"], code="empty")
        return image_sanitise(data)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput):
            attrs["accept"] = ACCEPT
            # static/js/upload_limits.js flags a file over the limit as soon as it is chosen
            attrs["data-max-bytes"] = settings.MAX_IMAGE_BYTES
            attrs["data-too-large"] = gettext("Ảnh này nặng hơn %(limit)s: hãy chọn ảnh nhỏ hơn.") % {
                "limit": filesizeformat(settings.MAX_IMAGE_BYTES)
            }
        return attrs


IMAGE_UPLOAD_OVERRIDES = {models.ImageField: {"form_class": ImageUploadField}}


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("image", "caption", "position")
    formfield_overrides = IMAGE_UPLOAD_OVERRIDES


class ProductStarsFilter(StarsFilter):
    """Stars of the product's current recognition (its public stars)."""

    title = _("hạng sao hiện tại")
    field_path = "current_stars"

    def lookups(self, request, model_admin):
        return [choice for choice in super().lookups(request, model_admin) if choice[0] != "khong-dat"]

    def queryset(self, request, queryset):
        if self.value() == "khong-dat":
            return queryset
        if self.value() == "chua-co":
            return queryset.filter(current_stars__isnull=True)
        return super().queryset(request, queryset)


class ProductGroupOfProductFilter(ProductGroupFilter):
    group_path = "group"


class ProducerKindOfProductFilter(ProducerKindFilter):
    kind_path = "producer__kind"


class CertificateStatusFilter(admin.SimpleListFilter):
    """The current certificate's status today (``rules.CertificateStatus``: valid, expiring, expired, revoked); any
    other value is ignored. The admin's home page links to the expiring ones (``ocop_registry.admin_site``)."""

    title = _("tình trạng chứng nhận")
    parameter_name = "hieu_luc"

    def lookups(self, request, model_admin):
        return rules.CertificateStatus.choices

    def queryset(self, request, queryset):
        if self.value() not in rules.CertificateStatus.values:
            return queryset
        conditions = rules.certificate_status_conditions(
            timezone.localdate(), decision_date="current_decision_date", revoked_on="current_revoked_on"
        )
        return queryset.filter(conditions[rules.CertificateStatus(self.value())])


STATUS_LABELS = {value: str(label) for value, label in EvaluationStatus.choices}


def current_status_expression():
    """The evaluation status of the product's current recognition (recognised or revoked), or null."""
    return Case(
        When(current_revoked_on__isnull=False, then=Value(EvaluationStatus.REVOKED.value)),
        When(current_decision_date__isnull=False, then=Value(EvaluationStatus.RECOGNISED.value)),
        default=None,
        output_field=models.CharField(),
    )


@admin.register(Product)
class ProductAdmin(InsertThroughServiceMixin, FoldedSearchMixin, ExportMixin, HistoryAdmin):
    list_display = (
        "name",
        "code",
        "producer",
        "commune",
        "legacy_commune_display",
        "group",
        "current_stars_display",
        "certificate_status_display",
        "is_published",
        "is_demo",
    )
    list_select_related = ("producer", "commune", "legacy_commune", "legacy_commune__district", "group")
    list_filter = (
        ProductStarsFilter,
        CertificateStatusFilter,
        ProductGroupOfProductFilter,
        ("commune", titled(admin.RelatedOnlyFieldListFilter, _("xã/phường"))),
        ("legacy_commune__district", titled(admin.RelatedOnlyFieldListFilter, _("huyện cũ (trước 2025)"))),
        ProducerKindOfProductFilter,
        "is_published",
        "is_demo",
    )
    list_per_page = 100
    folded_search_fields = ("name_key", "producer__name_key", "commune__name_key")
    code_search_fields = ("code",)
    autocomplete_fields = ("producer", "commune", "legacy_commune", "group")
    readonly_fields = ("code_display", "slug_display", "created_at", "updated_at", "renewal_notice")
    inlines = (EvaluationInline, ProductImageInline)
    formfield_overrides = IMAGE_UPLOAD_OVERRIDES
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("name", "producer", "group", "description", "image")}),
        (_("Địa bàn"), {"fields": ("commune", "legacy_commune")}),
        (
            _("Công bố"),
            {"fields": ("is_published", "is_demo", "code_display", "slug_display", "created_at", "updated_at")},
        ),
        (_("Thông báo gia hạn"), {"fields": ("renewal_notice",)}),
    )
    export_fields = (
        "code",
        ("name", _("Tên sản phẩm")),
        ("producer__name", _("Chủ thể")),
        ("producer__kind", _("Loại hình chủ thể")),
        ("commune__name", _("Xã")),
        ("legacy_commune__name", _("Xã theo hồ sơ gốc")),
        ("legacy_commune__district__name", _("Huyện theo hồ sơ gốc")),
        ("group__code", _("Nhóm sản phẩm")),
        ("current_stars", _("Hạng sao hiện tại")),
        ("current_decision_no", _("Số quyết định gần nhất")),
        ("current_decision_date", _("Ngày quyết định gần nhất")),
        ("current_status", _("Trạng thái công nhận"), lambda value: STATUS_LABELS.get(value, value)),
        "is_published",
        "is_demo",
    )

    class Media:
        js = ("js/upload_limits.js",)

    def get_queryset(self, request):
        # The current recognition is the product's own columns (kept by evaluations.services): no join.
        return super().get_queryset(request).annotate(current_status=current_status_expression())

    def insert(self, obj):
        product_insert(product=obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Evaluation:
            # Evaluations edited inline may move a decision: keep the derived ordering in step.
            recognitions_resequence(product_ids=[form.instance.pk])

    @admin.display(description=_("thông báo gia hạn giấy chứng nhận hiện tại"))
    def renewal_notice(self, obj):
        return renewal_notice_display(obj) if obj.pk else "—"

    @admin.display(description=_("mã"))
    def code_display(self, obj):
        """The registry code, or, before the first save, when it comes (never the provisional placeholder)."""
        return obj.code if obj.pk else gettext("được cấp khi lưu")

    @admin.display(description=_("đường dẫn"))
    def slug_display(self, obj):
        return obj.slug if obj.pk else gettext("được tạo từ tên khi lưu")

    @admin.display(description=_("xã theo hồ sơ gốc"), ordering="legacy_commune__name_key")
    def legacy_commune_display(self, obj):
        return str(obj.legacy_commune) if obj.legacy_commune_id else "—"

    @admin.display(description=_("hạng sao hiện tại"), ordering="current_stars")
    def current_stars_display(self, obj):
        stars = obj.current_stars
        if stars is None:
            return "—"
        if obj.current_revoked_on is not None:
            return format_html("<s>{}★</s> ({})", stars, gettext("đã thu hồi"))
        return format_html("{}★", stars)

    @admin.display(description=_("Tình trạng chứng nhận"), ordering="current_decision_date")
    def certificate_status_display(self, obj):
        status = obj.certificate_status(timezone.localdate())
        return rules.CertificateStatus(status).label if status else "—"
