"""Entering a council's scores: the form, the rules shown beside it, and the inline on the product page.

The form shows the part maxima of both rule sets (from ``rules``, through a template), refuses impossible
scores with the model's messages, and sets the status itself (``services.evaluation_status_for_outcome``):
"Nháp" without an outcome, "Đã chấm điểm" with one. ``total`` and ``stars`` are computed by the database
on save and shown read-only. Decisions are taken with the actions (``decisions``), never typed here.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.template.loader import render_to_string
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ocop_registry.history_admin import HistoryAdmin

from .. import rules, services
from ..models import SCORES_INCOMPLETE, Evaluation
from .locking import locked_for

SCORE_FIELDS = ("score_a", "score_b", "score_c")
# What the status follows (services.evaluation_status_for_outcome).
OUTCOME_FIELDS = (*SCORE_FIELDS, "declared_stars", "not_rated")
# Set by the decision actions (or, for corrections, by a superuser), never typed on the entry form.
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
PART_MAXIMA_TEMPLATE = "admin/evaluations/evaluation/_part_maxima.html"


def field_label(name: str) -> str:
    """An evaluation field's name as the form would label it ("Trạng thái")."""
    try:
        return capfirst(str(Evaluation._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


NEGATIVE_SCORE = _("Điểm không thể âm: nhập số điểm từ 0 trở lên.")


class EvaluationForm(forms.ModelForm):
    """Entry form: the status follows the outcome; errors about fields it does not show still reach the user."""

    class Meta:
        model = Evaluation
        fields = "__all__"
        error_messages = {name: {"min_value": NEGATIVE_SCORE} for name in SCORE_FIELDS}

    def clean(self):
        cleaned = super().clean()
        # A field the form does not show (read-only here, or not in the inline) keeps the record's value.
        outcome = {
            name: cleaned.get(name) if name in self.fields else getattr(self.instance, name)
            for name in OUTCOME_FIELDS
        }
        status = services.evaluation_status_for_outcome(status=cleaned.get("status", self.instance.status), **outcome)
        if "status" in self.fields:
            cleaned["status"] = status
        else:
            self.instance.status = status
        return cleaned

    def add_error(self, field, error):
        """``Evaluation.clean()`` may speak of a field this form does not show (read-only here: the status,
        a decision, the proposal…). Django hands the model's errors to ``add_error(None, errors)``, which
        would fail with "has no field named"; such a message is shown at the top, named after its field."""
        if field is None and hasattr(error, "error_dict"):
            routed = {}
            for name, errors in self._without_echoes(error.error_dict).items():
                if name != NON_FIELD_ERRORS and name not in self.fields:
                    label = field_label(name)
                    errors = [ValidationError(f"{label}: {message}") for message in ValidationError(errors).messages]
                    name = NON_FIELD_ERRORS
                routed.setdefault(name, []).extend(errors)
            error = ValidationError(routed)
        super().add_error(field, error)

    def _without_echoes(self, error_dict: dict) -> dict:
        """The model's errors less "enter all three scores" when a score was refused by its own field (a
        negative score, a word): the model saw it as missing, which would be a second, contradicting message."""
        if not any(name in self._errors for name in SCORE_FIELDS):
            return error_dict
        kept = {}
        for name, errors in error_dict.items():
            errors = [error for error in errors if getattr(error, "code", None) != SCORES_INCOMPLETE]
            if errors:
                kept[name] = errors
        return kept


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
            "total": gettext("Tổng điểm"),
            "stars": gettext("Hạng sao"),
            "points": gettext("điểm"),
            "star": gettext("sao"),
            "tooHigh": gettext("Phần %(part)s vượt quá %(max)s điểm theo bộ tiêu chí %(rule_set)s."),
            "notCertified": gettext("Dưới %(stars)s sao: không được công nhận OCOP.")
            % {"stars": rules.CERTIFIED_MIN_STARS},
            "candidate": gettext(
                "Từ %(points)s điểm: có thể đề xuất %(stars)s sao (chỉ Trung ương công nhận %(stars)s sao)."
            ) % {"points": rules.NATIONAL_MIN_POINTS, "stars": rules.NATIONAL_STARS},
            "notRated": gettext("Không đạt: không xếp hạng sao."),
            "notRatedShort": gettext("Không đạt"),
            "unsaved": gettext("tạm tính, chưa lưu"),
        },
    }


def part_maxima_context(selected_rule_set: str = "") -> dict:
    """The part maxima of each rule set (``selected_rule_set`` marked) and the star bands, from ``rules``."""
    return {
        "rule_sets": [
            {"label": rule_set.label, "maxima": m, "total": m.a + m.b + m.c, "selected": rule_set == selected_rule_set}
            for rule_set, m in rules.PART_MAXIMA.items()
        ],
        "bands": rules.STAR_BANDS,
        "below_central_max": rules.BELOW_CENTRAL_MAX_STARS,
    }


def part_maxima_table(selected_rule_set: str = "") -> str:
    return render_to_string(PART_MAXIMA_TEMPLATE, part_maxima_context(selected_rule_set))


class EvaluationEntryMixin:
    """For the evaluation ModelAdmin: the change form, its rule help and the data of its live stars."""

    form = EvaluationForm
    autocomplete_fields = ("product",)
    save_on_top = True
    readonly_fields = ("part_maxima", "total", "stars", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("product", "evaluated_on", "rule_set", "level")}),
        (_("Điểm"), {"fields": ("part_maxima", *SCORE_FIELDS, "not_rated", "declared_stars", "total", "stars")}),
        (_("Quyết định công nhận"), {"fields": ("status", "decision_no", "decision_date")}),
        (_("Đề xuất 5 sao"), {"fields": ("proposed_national", "proposal_no", "proposal_date")}),
        (_("Thu hồi"), {"fields": ("revocation_no", "revocation_date")}),
        (_("Ghi chú"), {"fields": ("notes", "created_at", "updated_at")}),
    )

    class Media:
        js = ("js/evaluation_total.js",)

    @admin.display(description=_("điểm tối đa"))
    def part_maxima(self, obj):
        return part_maxima_table(obj.effective_rule_set if obj and obj.pk else "")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [field for field in WORKFLOW_FIELDS if field not in fields]
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["evaluation_rules"] = rules_for_script()
        return super().render_change_form(request, context, add, change, form_url, obj)


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
            """Rows of decided evaluations are shown disabled to everyone but superusers."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for form in self.forms:
                    if locked_for(user, form.instance):
                        for field in form.fields.values():
                            field.disabled = True

        return LockingFormSet
