"""The public progress page, the officials' progress dashboard and the expiring-certificates CSV."""

import datetime

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from ocop_registry.exports import csv_response

from . import notices, report, rules, selectors
from .forms import as_of_from_query

DASHBOARD_PERMISSION = "evaluations.view_dashboard"
EXPIRING_SHOWN = 100  # rows on the page; the CSV export has all of them


def progress(request):
    """The public progress page: what the progress API publishes (``selectors.cached_progress_on``), as a page.

    Phases with their targets and pace, the current standing and the counting rule; no breakdowns, no expiring
    list and no contacts, which stay on the dashboard. Anonymous answers are cached by ``public_cache``.
    """
    day, form = as_of_from_query(request.GET)
    context = {"form": form, "data": selectors.cached_progress_on(day=day), "as_of": day}
    return render(request, "evaluations/progress.html", context)


@permission_required(DASHBOARD_PERMISSION)
def dashboard(request):
    day, form = as_of_from_query(request.GET)
    data = selectors.cached_dashboard_on(day=day)
    expiring = list(data.expiring[:EXPIRING_SHOWN])
    sent = notices.last_sent(e.pk for e in expiring)  # one query: who was notified, when, by whom
    for evaluation in expiring:
        evaluation.notice = sent.get(evaluation.pk)
        evaluation.notice_state = notices.notice_state(evaluation.notice)
    context = {
        "form": form,
        "data": data,
        "as_of": day,
        "expiring": expiring,
        "expiring_more": max(data.standing.expiring - len(expiring), 0),
        "report_years": range(timezone.localdate().year, rules.OCOP_START.year - 1, -1),
    }
    return render(request, "evaluations/dashboard.html", context)


CSV_HEADER = [
    "Mã sản phẩm", "Sản phẩm", "Hạng sao", "Số quyết định", "Ngày quyết định", "Hiệu lực đến",
    "Số ngày còn lại", "Hạn gửi thông báo", "Chủ thể", "Người đại diện", "Điện thoại", "Email", "Địa chỉ",
    "Xã/phường", "Thông báo gia hạn",
]


@permission_required(DASHBOARD_PERMISSION)
def expiring_csv(request):
    """Certificates expiring within EXPIRING_SOON_DAYS of the as-of date, with the producer's contact (CSV)."""
    day, _form = as_of_from_query(request.GET)

    def rows():
        expiring = list(selectors.expiring_certificates(day=day))
        sent = notices.last_sent(e.pk for e in expiring)  # one query for the whole list
        for evaluation in expiring:
            product, producer = evaluation.product, evaluation.product.producer
            valid_until = evaluation.valid_until
            notice_by = valid_until - datetime.timedelta(days=rules.RENEWAL_NOTICE_DAYS)
            yield [
                product.code, product.name, evaluation.stars, evaluation.decision_no, evaluation.decision_date,
                valid_until, (valid_until - day).days, notice_by, producer.name, producer.representative,
                producer.shown_phone, producer.email, producer.address, product.commune.full_name,
                notices.notice_state(sent.get(evaluation.pk)),
            ]

    return csv_response(f"ocop-sap-het-han-{day.isoformat()}.csv", CSV_HEADER, rows())


@permission_required(DASHBOARD_PERMISSION)
def report_xlsx(request):
    """The annual report (``evaluations.report``) for ``?nam=YYYY`` (as of that year's last day, or today while it
    runs), else for the dashboard's as-of date (``?as_of=``, today by default). A year the programme cannot have
    figures for is refused with a message, not guessed."""
    today = timezone.localdate()
    year = request.GET.get("nam", "").strip()
    if year:
        if not (year.isdigit() and rules.OCOP_START.year <= int(year) <= today.year):
            return HttpResponseBadRequest(
                gettext("Năm báo cáo “%(year)s” không hợp lệ: hãy chọn một năm từ %(first)s đến %(last)s.")
                % {"year": year[:10], "first": rules.OCOP_START.year, "last": today.year},
                content_type="text/plain; charset=utf-8",
            )
        day = report.report_day(int(year), today)
    else:
        day, form = as_of_from_query(request.GET)
        if form.is_bound:  # as the dashboard reads it; a date it refuses is refused here too, not replaced
            return HttpResponseBadRequest(" ".join(form.errors["as_of"]), content_type="text/plain; charset=utf-8")
    data = selectors.dashboard_on(day=day)
    content = report.build_workbook(data, expired=list(selectors.expired_certificates(day=day)))
    response = HttpResponse(content, content_type=report.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="bao-cao-ocop-{day.isoformat()}.xlsx"'
    return response
