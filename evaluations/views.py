"""The officials' progress dashboard and the expiring-certificates CSV."""

import datetime

from django import forms
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ocop_registry.exports import csv_response

from . import selectors

DASHBOARD_PERMISSION = "evaluations.view_dashboard"
EXPIRING_SHOWN = 100  # rows on the page; the CSV export has all of them


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=_("Số liệu tính đến ngày"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 30/06/2020.")},
    )

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and not selectors.MIN_AS_OF <= day <= selectors.MAX_AS_OF:
            raise forms.ValidationError(_("Ngày phải nằm trong khoảng năm 1900 đến năm 2999."))
        return day


def _as_of(request):
    """The as-of date from the query string (default today) and the bound form."""
    today = timezone.localdate()
    form = AsOfForm(request.GET or None)
    day = today
    if form.is_bound and form.is_valid() and form.cleaned_data["as_of"]:
        day = form.cleaned_data["as_of"]
    if not form.is_bound or not form.is_valid():
        form = AsOfForm(initial={"as_of": day}) if not form.is_bound else form
    return day, form


@permission_required(DASHBOARD_PERMISSION)
def dashboard(request):
    day, form = _as_of(request)
    data = selectors.cached_dashboard_on(day=day)
    expiring = list(data.expiring[:EXPIRING_SHOWN])
    context = {
        "form": form,
        "data": data,
        "as_of": day,
        "expiring": expiring,
        "expiring_more": max(data.standing.expiring - len(expiring), 0),
    }
    return render(request, "evaluations/dashboard.html", context)


CSV_HEADER = [
    "Mã sản phẩm", "Sản phẩm", "Hạng sao", "Số quyết định", "Ngày quyết định", "Hiệu lực đến",
    "Số ngày còn lại", "Hạn gửi thông báo", "Chủ thể", "Người đại diện", "Điện thoại", "Email", "Địa chỉ",
    "Xã/phường",
]


@permission_required(DASHBOARD_PERMISSION)
def expiring_csv(request):
    """Certificates expiring within EXPIRING_SOON_DAYS of the as-of date, with the producer's contact (CSV)."""
    day, _form = _as_of(request)

    def rows():
        for evaluation in selectors.expiring_certificates(day=day):
            product, producer = evaluation.product, evaluation.product.producer
            valid_until = evaluation.valid_until
            notice_by = valid_until - datetime.timedelta(days=selectors.rules.RENEWAL_NOTICE_DAYS)
            yield [
                product.code, product.name, evaluation.stars, evaluation.decision_no, evaluation.decision_date,
                valid_until, (valid_until - day).days, notice_by, producer.name, producer.representative,
                producer.phone, producer.email, producer.address, product.commune.full_name,
            ]

    return csv_response(f"ocop-sap-het-han-{day.isoformat()}.csv", CSV_HEADER, rows())
