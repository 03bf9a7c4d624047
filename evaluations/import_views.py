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

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .register_import import register_import

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
