"""Admin for evaluations, programme phases and targets: entry, the decision workflow, history, export.

- Entry: the form shows the part maxima of both rule sets (from ``rules``), refuses impossible scores
  with the model's messages, and sets the status itself: "Nháp" without an outcome, "Đã chấm điểm"
  with one. ``total`` and ``stars`` are computed by the database on save and shown read-only.
- Decisions are taken with actions, never by editing fields: recognise selected scored evaluations
  under one decision, revoke under a decision, propose for 5 stars. Each action needs its permission
  and writes through ``services`` in one transaction.
- Recognised (and revoked) evaluations are read-only except for superusers.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ocop_registry.admin_filters import titled
from ocop_registry.admin_search import FoldedSearchMixin, FoldedTextSearchMixin
from ocop_registry.exports import ExportMixin
from ocop_registry.history_admin import DATE_INPUT_FORMATS, HistoryAdmin
from products.models import Producer, ProductGroup

from . import rules, services
from .import_views import register_import_view
from .models import Evaluation, Phase, Target

SCORE_FIELDS = ("score_a", "score_b", "score_c")
# Set by the workflow actions (or, for corrections, by a superuser), never typed on the entry form.
WORKFLOW_FIELDS = (
    "status",
    "decision_no",
    "decision_date",
    "proposed_national",
    "proposal_no",
    "proposal_date",
    "revocation_no",
    "revocation_date",
)
LOCKED_STATUSES = (Evaluation.Status.RECOGNISED, Evaluation.Status.REVOKED)


def vietnamese_date_field(**kwargs):
    return forms.DateField(
        input_formats=DATE_INPUT_FORMATS,
        widget=AdminDateWidget(format="%d/%m/%Y"),
        help_text=_("Ngày/tháng/năm, ví dụ 23/12/2019."),
        **kwargs,
    )


# --- Filters ------------------------------------------------------------------------------------------


class StarsFilter(admin.SimpleListFilter):
    title = _("hạng sao")
    parameter_name = "sao"
    field_path = "stars"
    not_rated_path = "not_rated"

    def lookups(self, request, model_admin):
        choices = [(str(stars), _("%(n)s sao") % {"n": stars}) for _low, _high, stars in rules.STAR_BANDS]
        return [*choices, ("khong-dat", _("Không đạt")), ("chua-co", _("Chưa có hạng sao"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "khong-dat":
            return queryset.filter(**{self.not_rated_path: True})
        if value == "chua-co":
            return queryset.filter(**{f"{self.field_path}__isnull": True, self.not_rated_path: False})
        # Only the stars of STAR_BANDS: str.isdigit() also accepts "²" or "٣", which int() refuses or
        # reads as a star, and a huge number overflows the database integer.
        if value in {str(stars) for _low, _high, stars in rules.STAR_BANDS}:
            return queryset.filter(**{self.field_path: int(value)})
        return queryset


class DecisionYearFilter(admin.SimpleListFilter):
    """The year of the decision. Only years 1900–2999 written in ASCII digits (the range the dashboard
    accepts) filter; anything else is ignored, as ``?nam=0000`` would fail with "year 0 is out of range"."""

    title = _("năm quyết định")
    parameter_name = "nam"
    years = range(1900, 3000)

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
        return Producer.Kind.choices

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
        return [
            (group.code, format_html("{}{}", "— " if group.parent_id else "", str(group)))
            for group in ProductGroup.objects.order_by("code")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{self.group_path}__code": value}) | Q(**{f"{self.group_path}__parent__code": value})
        )


# --- Forms ----------------------------------------------------------------------------------------------


def has_outcome(data) -> bool:
    return bool(data.get("not_rated")) or data.get("declared_stars") is not None or all(
        data.get(field) is not None for field in SCORE_FIELDS
    )


class EvaluationForm(forms.ModelForm):
    """Entry form: the status follows the outcome; errors on read-only fields still reach the user."""

    class Meta:
        model = Evaluation
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        if status in (Evaluation.Status.DRAFT, Evaluation.Status.SCORED):
            status = Evaluation.Status.SCORED if has_outcome(cleaned) else Evaluation.Status.DRAFT
            if "status" in self.fields:
                cleaned["status"] = status
            else:
                self.instance.status = status
        return cleaned

    def _update_errors(self, errors):
        # model.clean() may speak of a field that is read-only on this form (status, decision…):
        # show such a message at the top, named after its field, instead of failing.
        if hasattr(errors, "error_dict"):
            remapped = {}
            for field, messages_ in errors.error_dict.items():
                if field == NON_FIELD_ERRORS or field in self.fields:
                    remapped.setdefault(field, []).extend(messages_)
                    continue
                try:
                    label = capfirst(str(Evaluation._meta.get_field(field).verbose_name))
                except Exception:  # not a model field
                    label = field
                for message in ValidationError(messages_).messages:
                    remapped.setdefault(NON_FIELD_ERRORS, []).append(ValidationError(f"{label}: {message}"))
            errors = ValidationError(remapped)
        super()._update_errors(errors)


class RecogniseForm(forms.Form):
    decision_no = forms.CharField(label=_("Số quyết định công nhận"), max_length=50)
    decision_date = vietnamese_date_field(label=_("Ngày quyết định"))


class RevokeForm(forms.Form):
    revocation_no = forms.CharField(label=_("Số quyết định thu hồi"), max_length=50)
    revocation_date = vietnamese_date_field(label=_("Ngày thu hồi"))


class ProposeForm(forms.Form):
    proposal_date = vietnamese_date_field(label=_("Ngày đề xuất"))
    proposal_no = forms.CharField(label=_("Số văn bản đề xuất"), max_length=50, required=False)


# --- Rule tables shown on the form ------------------------------------------------------------------------


def rules_for_script() -> dict:
    """What evaluation_total.js needs, straight from ``rules`` (never re-typed in JavaScript)."""
    return {
        "maxima": {rule_set: {"a": m.a, "b": m.b, "c": m.c} for rule_set, m in rules.PART_MAXIMA.items()},
        "bands": [[low, high, stars] for low, high, stars in rules.STAR_BANDS],
        "rule148From": rules.RULE_SET_148_FROM.isoformat(),
        "ruleSet148": str(rules.RuleSet.R148),
        "ruleSet1048": str(rules.RuleSet.R1048),
        "belowCentralMax": rules.BELOW_CENTRAL_MAX_STARS,
        "central": str(rules.CouncilLevel.CENTRAL),
        "certifiedMin": rules.CERTIFIED_MIN_STARS,
        "labels": {
            "total": _g("Tổng điểm"),
            "stars": _g("Hạng sao"),
            "points": _g("điểm"),
            "star": _g("sao"),
            "tooHigh": _g("Phần %(part)s vượt quá %(max)s điểm theo bộ tiêu chí %(rule_set)s."),
            "notCertified": _g("Dưới %(stars)s sao: không được công nhận OCOP.") % {"stars": rules.CERTIFIED_MIN_STARS},
            "candidate": _g("Từ %(points)s điểm: có thể đề xuất %(stars)s sao (chỉ Trung ương công nhận %(stars)s sao).")
            % {"points": rules.STAR_BANDS[-1][0], "stars": rules.NATIONAL_STARS},
            "notRated": _g("Không đạt: không xếp hạng sao."),
        },
    }


def part_maxima_table(selected_rule_set: str = ""):
    rows = format_html_join(
        "",
        "<tr{}><th scope='row'>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                mark_safe(" class='selected'") if rule_set == selected_rule_set else "",
                rule_set.label,
                m.a,
                m.b,
                m.c,
                m.a + m.b + m.c,
            )
            for rule_set, m in rules.PART_MAXIMA.items()
        ),
    )
    bands = ", ".join(
        _g("%(stars)s sao: %(low)s–%(high)s") % {"stars": stars, "low": low, "high": high}
        for low, high, stars in rules.STAR_BANDS
    )
    return format_html(
        "<table class='part-maxima'><caption>{}</caption><thead><tr><th scope='col'>{}</th>"
        "<th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th></tr></thead>"
        "<tbody>{}</tbody></table><p class='help'>{} {}</p>",
        _g("Điểm tối đa từng phần theo bộ tiêu chí"),
        _g("Bộ tiêu chí"),
        _g("A. Sản phẩm và sức mạnh cộng đồng"),
        _g("B. Khả năng tiếp thị"),
        _g("C. Chất lượng sản phẩm"),
        _g("Tổng"),
        rows,
        bands,
        _g("Dưới cấp Trung ương tối đa %(n)s sao; 5 sao do Hội đồng Trung ương công nhận.")
        % {"n": rules.BELOW_CENTRAL_MAX_STARS},
    )


# --- Evaluation admin ----------------------------------------------------------------------------------------


class EvaluationLockMixin:
    """Recognised and revoked evaluations are read-only (and never deleted) except for superusers."""

    def _locked(self, request, obj) -> bool:
        return obj is not None and obj.status in LOCKED_STATUSES and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if isinstance(obj, Evaluation) and self._locked(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if isinstance(obj, Evaluation) and self._locked(request, obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Evaluation)
class EvaluationAdmin(EvaluationLockMixin, FoldedSearchMixin, ExportMixin, HistoryAdmin):
    # A superuser may move or delete a decision: keep the derived ``superseded_on`` in step.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.recognitions_resequence(product_ids=[obj.product_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.recognitions_resequence(product_ids=[obj.product_id])

    def delete_queryset(self, request, queryset):
        product_ids = set(queryset.values_list("product_id", flat=True))
        super().delete_queryset(request, queryset)
        services.recognitions_resequence(product_ids=product_ids)

    form = EvaluationForm
    change_list_template = "admin/evaluations/evaluation/change_list.html"
    list_display = (
        "product_link",
        "producer_name",
        "commune_name",
        "level",
        "rule_set",
        "total",
        "stars_display",
        "status",
        "decision_no",
        "decision_date",
        "proposed_national",
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
    date_hierarchy = "decision_date"
    folded_search_fields = ("product__name_key", "product__producer__name_key", "product__commune__name_key")
    code_search_fields = ("decision_no", "product__code", "revocation_no", "proposal_no")
    autocomplete_fields = ("product",)
    list_per_page = 100
    save_on_top = True
    actions = ("recognise_action", "revoke_action", "propose_action")
    readonly_fields = ("part_maxima", "total", "stars", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("product", "evaluated_on", "rule_set", "level")}),
        (_("Điểm"), {"fields": ("part_maxima", *SCORE_FIELDS, "not_rated", "declared_stars", "total", "stars")}),
        (_("Quyết định công nhận"), {"fields": ("status", "decision_no", "decision_date")}),
        (_("Đề xuất 5 sao"), {"fields": ("proposed_national", "proposal_no", "proposal_date")}),
        (_("Thu hồi"), {"fields": ("revocation_no", "revocation_date")}),
        (_("Ghi chú"), {"fields": ("notes", "created_at", "updated_at")}),
    )
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

    class Media:
        js = ("js/evaluation_total.js",)

    # Display ---------------------------------------------------------------------------------------------

    @admin.display(description=_("sản phẩm"), ordering="product__name_key")
    def product_link(self, obj):
        return obj.product.name

    @admin.display(description=_("chủ thể"), ordering="product__producer__name_key")
    def producer_name(self, obj):
        return obj.product.producer.name

    @admin.display(description=_("xã/phường"), ordering="product__commune__name_key")
    def commune_name(self, obj):
        return obj.product.commune.full_name

    @admin.display(description=_("hạng sao"), ordering="stars")
    def stars_display(self, obj):
        if obj.not_rated:
            return _g("Không đạt")
        if obj.stars is None:
            return "—"
        return format_html("<span title='{}'>{}★</span>", _g("%(n)s sao") % {"n": obj.stars}, obj.stars)

    @admin.display(description=_("điểm tối đa"))
    def part_maxima(self, obj):
        return part_maxima_table(obj.effective_rule_set if obj and obj.pk else "")

    # Permissions and read-only fields ---------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [field for field in WORKFLOW_FIELDS if field not in fields]
        return fields

    def has_recognise_permission(self, request):
        return request.user.has_perm("evaluations.recognise_evaluation")

    def has_revoke_permission(self, request):
        return request.user.has_perm("evaluations.revoke_evaluation")

    def has_propose_permission(self, request):
        return request.user.has_perm("evaluations.propose_evaluation")

    def has_import_permission(self, request):
        return request.user.has_perm("evaluations.import_register")

    # Views -------------------------------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """The register import (evaluations/import_views.py, written with the import command)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        return register_import_view(request, model_admin=self)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["evaluation_rules"] = rules_for_script()
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Actions ------------------------------------------------------------------------------------------------

    def _decision_action(self, request, queryset, *, form_class, title, intro, run, done):
        """An intermediate page asking for the decision once, then one transaction for the batch."""
        queryset = queryset.select_related("product")
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                changed = run(list(queryset), form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                self.message_user(request, _g("Không có đánh giá nào được thay đổi."), messages.WARNING)
                return None
            self.message_user(request, done(len(changed), form.cleaned_data), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "queryset": queryset,
            "opts": self.opts,
            "action": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/evaluations/evaluation/decision_action.html", context)

    @admin.action(description=_("Công nhận các đánh giá đã chọn theo một quyết định"), permissions=["recognise"])
    def recognise_action(self, request, queryset):
        return self._decision_action(
            request,
            queryset,
            form_class=RecogniseForm,
            title=_g("Công nhận theo quyết định"),
            intro=_g("Nhập số và ngày của quyết định công nhận một lần cho tất cả các đánh giá dưới đây."),
            run=lambda evaluations, data: services.evaluation_recognise_batch(evaluations=evaluations, **data),
            done=lambda n, data: _g("Đã công nhận %(n)s đánh giá theo quyết định %(no)s ngày %(day)s.")
            % {"n": n, "no": data["decision_no"], "day": data["decision_date"].strftime("%d/%m/%Y")},
        )

    @admin.action(description=_("Thu hồi công nhận theo quyết định"), permissions=["revoke"])
    def revoke_action(self, request, queryset):
        return self._decision_action(
            request,
            queryset,
            form_class=RevokeForm,
            title=_g("Thu hồi công nhận"),
            intro=_g("Nhập số và ngày của quyết định thu hồi. Hồ sơ vẫn được giữ, hiển thị là đã thu hồi."),
            run=lambda evaluations, data: services.evaluation_revoke_batch(evaluations=evaluations, **data),
            done=lambda n, data: _g("Đã thu hồi %(n)s công nhận theo quyết định %(no)s.")
            % {"n": n, "no": data["revocation_no"]},
        )

    @admin.action(description=_("Đề xuất Trung ương công nhận 5 sao"), permissions=["propose"])
    def propose_action(self, request, queryset):
        return self._decision_action(
            request,
            queryset,
            form_class=ProposeForm,
            title=_g("Đề xuất 5 sao quốc gia"),
            intro=_g("Ghi nhận việc tỉnh đề xuất Hội đồng Trung ương đánh giá, công nhận 5 sao cho các sản phẩm dưới đây."),
            run=lambda evaluations, data: services.evaluation_propose_national_batch(evaluations=evaluations, **data),
            done=lambda n, data: _g("Đã ghi nhận đề xuất 5 sao cho %(n)s đánh giá.") % {"n": n},
        )


class EvaluationInline(admin.TabularInline):
    """Evaluations on the product page: scores are entered here; decisions are taken with the actions."""

    model = Evaluation
    form = EvaluationForm
    extra = 0
    show_change_link = True
    fields = (
        "evaluated_on",
        "rule_set",
        "level",
        *SCORE_FIELDS,
        "not_rated",
        "total",
        "stars",
        "status",
        "decision_no",
        "decision_date",
    )
    readonly_fields = ("total", "stars", "status", "decision_no", "decision_date")
    formfield_overrides = HistoryAdmin.formfield_overrides

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        user = request.user

        class LockingFormSet(formset):
            """Rows of recognised evaluations are shown disabled to everyone but superusers."""

            def _construct_form(self, i, **kwargs):
                form = super()._construct_form(i, **kwargs)
                if form.instance.pk and form.instance.status in LOCKED_STATUSES and not user.is_superuser:
                    for field in form.fields.values():
                        field.disabled = True
                return form

        return LockingFormSet


# --- Phases and targets -----------------------------------------------------------------------------------------


class TargetInline(admin.TabularInline):
    model = Target
    extra = 1
    fields = ("position", "label", "measure", "min_stars", "max_stars", "target_count")


@admin.register(Phase)
class PhaseAdmin(FoldedTextSearchMixin, ExportMixin, HistoryAdmin):
    list_display = ("name", "start", "end", "target_count")
    text_search_fields = ("name", "notes")
    inlines = (TargetInline,)
    export_fields = ("name", "start", "end", "notes")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_targets=models.Count("targets")).order_by(*self.model._meta.ordering)

    @admin.display(description=_("số chỉ tiêu"), ordering="number_of_targets")
    def target_count(self, obj):
        return obj.number_of_targets


@admin.register(Target)
class TargetAdmin(FoldedTextSearchMixin, ExportMixin, HistoryAdmin):
    list_display = ("label", "phase", "measure", "min_stars", "max_stars", "target_count", "position")
    list_filter = ("phase", "measure")
    list_select_related = ("phase",)
    text_search_fields = ("label", "phase__name")
    export_fields = ("phase__name", "label", "measure", "min_stars", "max_stars", "target_count", "position")
