"""The admin page for importing a council's list: upload → preview → confirm.

Between the preview and the confirmation the uploaded file is kept under
``MEDIA_ROOT/imports/`` with a random name; the session maps the page's token to that
file, so only the user who uploaded it can confirm it. On confirmation the file is
checked again against the registry as it is then (it may have changed meanwhile),
written in one transaction and deleted. Files left unconfirmed are removed after a day.

The URL is wired by the evaluation admin (``evaluations/admin/importing.py``:
``admin:evaluations_evaluation_import``), which wraps this view in ``admin_site.admin_view``
(login and staff checks) and asks for ``PERMISSION`` before and here.
"""

import datetime
import io
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import rules
from .register_import import COLUMNS, register_import

PERMISSION = "evaluations.import_register"
SESSION_KEY = "register_import_pending"
ALLOWED_SUFFIXES = (".csv", ".xlsx")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
STALE_AFTER_SECONDS = 24 * 3600


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp danh sách"),
        help_text=_("CSV (UTF-8, có hoặc không có BOM) hoặc Excel .xlsx; mỗi dòng là một quyết định về một sản phẩm."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Chỉ nhận tệp .csv hoặc .xlsx."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 20 MB)."))
        return upload


def _imports_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _remove_stale_files(directory: Path):
    cutoff = time.time() - STALE_AFTER_SECONDS
    for path in directory.glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _changelist_url(model_admin):
    opts = model_admin.model._meta
    try:
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=model_admin.admin_site.name
        )
    except NoReverseMatch:
        return reverse("admin:index", current_app=model_admin.admin_site.name)


def register_import_view(request, model_admin):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Nhập danh sách công nhận từ tệp"),
        "changelist_url": _changelist_url(model_admin),
    }
    pending = request.session.get(SESSION_KEY, {})

    if request.method == "POST" and "confirm" in request.POST:
        token = request.POST.get("token", "")
        entry = pending.get(token) if isinstance(pending, dict) else None
        path = _imports_dir() / entry["file"] if entry else None
        if path is None or not path.is_file():
            messages.error(request, _("Phiên xem trước đã hết hạn hoặc không hợp lệ; hãy tải tệp lên lại."))
            return HttpResponseRedirect(request.path)
        report = register_import(path.read_bytes(), entry["name"], user=request.user)
        if report.ok:
            path.unlink(missing_ok=True)
            pending.pop(token, None)
            request.session[SESSION_KEY] = pending
            messages.success(request, _("Đã nhập “%(name)s”. %(summary)s") % {"name": entry["name"], "summary": report.summary()})
            return HttpResponseRedirect(context["changelist_url"])
        # The registry changed since the preview: show what is now wrong, and keep the file.
        context.update(form=RegisterUploadForm(), report=report, token=token)
        return TemplateResponse(request, "admin/evaluations/import/register_import.html", context)

    if request.method == "POST":
        form = RegisterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            name = Path(upload.name).name
            report = register_import(data, name, dry_run=True)
            token = ""
            if report.ok:
                directory = _imports_dir()
                _remove_stale_files(directory)
                token = secrets.token_urlsafe(16)
                filename = f"{secrets.token_hex(16)}.upload"
                (directory / filename).write_bytes(data)
                pending = {k: v for k, v in pending.items() if (directory / v["file"]).is_file()}
                pending[token] = {"file": filename, "name": name}
                request.session[SESSION_KEY] = pending
            context.update(form=RegisterUploadForm(), report=report, token=token)
            return TemplateResponse(request, "admin/evaluations/import/register_import.html", context)
    else:
        form = RegisterUploadForm()
    context["form"] = form
    return TemplateResponse(request, "admin/evaluations/import/register_import.html", context)


# --- The template to fill in ---------------------------------------------------------------------

TEMPLATE_FILENAME = "mau-danh-sach-cong-nhan.xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# One example row (a real place, a pre-2025 commune with its district), keyed by the importer's fields.
TEMPLATE_EXAMPLE = {
    "product": "Nước mắm Lê Gia",
    "producer": "Công ty TNHH Lê Gia",
    "producer_kind": "Doanh nghiệp",
    "commune": "Nga Thanh",
    "district": "Nga Sơn",
    "group": "I.4",
    "score": 78,
    "stars": 4,
    "level": "Tỉnh",
    "decision_no": "5445/QĐ-UBND",
    "decision_date": datetime.date(2019, 12, 23),
}

# How each column is written, keyed by the importer's fields (the notes sheet).
TEMPLATE_NOTES = {
    "product": _("Tên sản phẩm như trong quyết định."),
    "producer": _("Tên chủ thể (doanh nghiệp, HTX, tổ hợp tác, hộ sản xuất kinh doanh)."),
    "producer_kind": _("Doanh nghiệp, Hợp tác xã, Tổ hợp tác hoặc Hộ sản xuất kinh doanh; để trống thì đoán theo tên."),
    "commune": _("Xã/phường hiện nay; hoặc xã trước 01/07/2025 nếu có ghi cột Huyện."),
    "district": _("Huyện, thị xã, thành phố trước 01/07/2025 (chỉ khi cột Xã ghi xã cũ)."),
    "group": _("Mã nhóm theo Quyết định 148 (như I.3), tên nhóm, hoặc tên ngành theo Quyết định 1048."),
    "score": _("Tổng điểm, số nguyên từ 0 đến %(max)s; phải khớp với hạng sao."),
    "stars": _("Một trong %(stars)s (cũng nhận “%(example)s sao”, “%(example)s★”)."),
    "level": _("Huyện, Tỉnh hoặc Trung ương; để trống: %(national)s sao là Trung ương, còn lại là Tỉnh."),
    "decision_no": _("Số quyết định công nhận, ví dụ 5445/QĐ-UBND."),
    "decision_date": _(
        "Ngày quyết định, dd/mm/yyyy hoặc ô ngày của Excel; không ở tương lai, không trước năm %(year)s, không trước "
        "ngày bộ tiêu chí có hiệu lực; mỗi sản phẩm chỉ một quyết định công nhận trong một ngày."
    ),
}


def register_template_xlsx() -> bytes:
    """An .xlsx to fill in: the importer's own headers (``register_import.COLUMNS``), one example row, and a
    notes sheet saying how each column is written."""
    # Imported here on purpose: openpyxl takes ~0.2 s to import, and only this download needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Danh sách")
    sheet.append([column.label for column in COLUMNS])
    sheet.append([TEMPLATE_EXAMPLE[column.field] for column in COLUMNS])
    for position, column in enumerate(COLUMNS, start=1):
        header = sheet.cell(row=1, column=position)
        header.font = Font(bold=True)
        sheet.column_dimensions[header.column_letter].width = max(14, len(column.label) + 4)
        if column.field == "decision_date":
            sheet.cell(row=2, column=position).number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    _template_notes(workbook.create_sheet(gettext("Ghi chú")), Font(bold=True))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _template_notes(sheet, bold):
    sheet.append([gettext(
        "Mỗi dòng là một quyết định về một sản phẩm. Dòng 2 của trang “Danh sách” là ví dụ: "
        "hãy xoá hoặc ghi đè trước khi nhập. Trang sẽ cho xem trước; chỉ khi xác nhận mới ghi vào sổ."
    )])
    sheet.append([])
    sheet.append([gettext("Cột"), gettext("Bắt buộc"), gettext("Cách ghi"), gettext("Tên cột khác cũng được nhận")])
    for cell in sheet[3]:
        cell.font = bold
    numbers = {
        "max": rules.MAX_TOTAL,
        "stars": ", ".join(map(str, rules.CERTIFIED_STARS)),
        "example": TEMPLATE_EXAMPLE["stars"],
        "national": rules.NATIONAL_STARS,
        "year": rules.OCOP_START.year,
    }
    for column in COLUMNS:
        sheet.append([
            column.label,
            gettext("Có") if column.required else gettext("Không"),
            str(TEMPLATE_NOTES[column.field]) % numbers,
            ", ".join((*column.other_names, column.alias)),
        ])
    for letter, width in zip("ABCD", (22, 10, 80, 50)):
        sheet.column_dimensions[letter].width = width


def register_template_view(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    response = HttpResponse(register_template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILENAME}"'
    return response
