"""Taking decisions: recognise the selected scored evaluations under one decision, revoke under a decision,
propose for 5 stars.

Each action asks for the decision once, on an intermediate page listing the selection, needs its own
permission, and writes the whole batch through ``services`` in one transaction (all or nothing).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ocop_registry.history_admin import DATE_INPUT_FORMATS

from .. import services


def vietnamese_date_field(**kwargs):
    return forms.DateField(
        input_formats=DATE_INPUT_FORMATS,
        widget=AdminDateWidget(format="%d/%m/%Y"),
        help_text=_("Ngày/tháng/năm, ví dụ 23/12/2019."),
        **kwargs,
    )


class RecogniseForm(forms.Form):
    decision_no = forms.CharField(label=_("Số quyết định công nhận"), max_length=50)
    decision_date = vietnamese_date_field(label=_("Ngày quyết định"))


class RevokeForm(forms.Form):
    revocation_no = forms.CharField(label=_("Số quyết định thu hồi"), max_length=50)
    revocation_date = vietnamese_date_field(label=_("Ngày thu hồi"))


class ProposeForm(forms.Form):
    proposal_date = vietnamese_date_field(label=_("Ngày đề xuất"))
    proposal_no = forms.CharField(label=_("Số văn bản đề xuất"), max_length=50, required=False)


@dataclass(frozen=True)
class Decision:
    """One kind of decision taken on a batch: the form asking for it, the page's words, the batch service
    (``service(evaluations=…, **form.cleaned_data)`` writes all or raises ``ValidationError`` with every
    problem) and the message after ``n`` evaluations changed (``done(n, cleaned_data)``)."""

    form_class: type[forms.Form]
    title: str
    intro: str
    service: Callable
    done: Callable[[int, dict], str]


RECOGNISE = Decision(
    form_class=RecogniseForm,
    title=_("Công nhận theo quyết định"),
    intro=_("Nhập số và ngày của quyết định công nhận một lần cho tất cả các đánh giá dưới đây."),
    service=services.evaluation_recognise_batch,
    done=lambda n, data: gettext("Đã công nhận %(n)s đánh giá theo quyết định %(no)s ngày %(day)s.")
    % {"n": n, "no": data["decision_no"], "day": data["decision_date"].strftime("%d/%m/%Y")},
)
REVOKE = Decision(
    form_class=RevokeForm,
    title=_("Thu hồi công nhận"),
    intro=_("Nhập số và ngày của quyết định thu hồi. Hồ sơ vẫn được giữ, hiển thị là đã thu hồi."),
    service=services.evaluation_revoke_batch,
    done=lambda n, data: gettext("Đã thu hồi %(n)s công nhận theo quyết định %(no)s.")
    % {"n": n, "no": data["revocation_no"]},
)
PROPOSE = Decision(
    form_class=ProposeForm,
    title=_("Đề xuất 5 sao quốc gia"),
    intro=_("Ghi nhận việc tỉnh đề xuất Hội đồng Trung ương đánh giá, công nhận 5 sao cho các sản phẩm dưới đây."),
    service=services.evaluation_propose_national_batch,
    done=lambda n, data: gettext("Đã ghi nhận đề xuất 5 sao cho %(n)s đánh giá.") % {"n": n},
)


class DecisionActionsMixin:
    """For the evaluation ModelAdmin: the three decision actions and their permissions."""

    actions = ("recognise_action", "revoke_action", "propose_action")
    decision_action_template = "admin/evaluations/evaluation/decision_action.html"

    def has_recognise_permission(self, request):
        return request.user.has_perm("evaluations.recognise_evaluation")

    def has_revoke_permission(self, request):
        return request.user.has_perm("evaluations.revoke_evaluation")

    def has_propose_permission(self, request):
        return request.user.has_perm("evaluations.propose_evaluation")

    @admin.action(description=_("Công nhận các đánh giá đã chọn theo một quyết định"), permissions=["recognise"])
    def recognise_action(self, request, queryset):
        return self._decision_action(request, queryset, RECOGNISE)

    @admin.action(description=_("Thu hồi công nhận theo quyết định"), permissions=["revoke"])
    def revoke_action(self, request, queryset):
        return self._decision_action(request, queryset, REVOKE)

    @admin.action(description=_("Đề xuất Trung ương công nhận 5 sao"), permissions=["propose"])
    def propose_action(self, request, queryset):
        return self._decision_action(request, queryset, PROPOSE)

    def _decision_action(self, request, queryset, decision: Decision):
        """The intermediate page asking for the decision once; on "apply", one transaction for the batch."""
        queryset = queryset.select_related("product")
        form = decision.form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                changed = decision.service(evaluations=list(queryset), **form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                self.message_user(request, gettext("Không có đánh giá nào được thay đổi."), messages.WARNING)
                return None
            self.message_user(request, decision.done(len(changed), form.cleaned_data), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": decision.title,
            "intro": decision.intro,
            "form": form,
            "queryset": queryset,
            "opts": self.opts,
            "action": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, self.decision_action_template, context)
