"""The registry's admin site: a password plus, for accounts that have one, a TOTP second factor.

- Any staff account may enrol an authenticator app (``xac-thuc-hai-buoc/``); once it has, every login
  needs the app's 6-digit code as well as the password.
- Superusers must have one when ``settings.OTP_REQUIRED_FOR_SUPERUSERS`` (on in production): after the
  password a superuser without one is sent to enrolment and reaches no other admin page until enrolled.
- A wrong or missing code counts as a failed login for django-axes, so codes cannot be guessed faster
  than passwords; django-otp's own throttling slows each device further.
"""

import re
from base64 import b32encode
from dataclasses import dataclass
from functools import update_wrapper

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluations.rules import CertificateStatus

TOKEN_PATTERN = re.compile(r"^\d{6}$")


def second_factor_required(user) -> bool:
    """Whether this account may not use the admin on its password alone."""
    return user.is_superuser and settings.OTP_REQUIRED_FOR_SUPERUSERS


def confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def verify_code(device, token) -> bool:
    """Check a code against the device, with django-otp's throttling and replay protection."""
    token = (token or "").replace(" ", "")
    if not TOKEN_PATTERN.match(token):
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        return device.verify_token(token)


class OtpTokenField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)  # "123 456" as some apps show it
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
        )
        super().__init__(**kwargs)


class AdminLoginForm(AdminAuthenticationForm):
    """Username, password and, for accounts with an authenticator app, its current 6-digit code."""

    otp_token = OtpTokenField(
        label=_("Mã xác thực"),
        required=False,
        help_text=_("6 chữ số trong ứng dụng xác thực, nếu tài khoản đã bật xác thực hai bước."),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_invalid": _(
            "Mã xác thực không đúng hoặc đã hết hạn. Tài khoản này dùng xác thực hai bước: nhập mã 6 chữ số "
            "đang hiện trong ứng dụng xác thực."
        ),
    }

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is not None:
            device = confirmed_device(user)
            if device is not None:
                if not verify_code(device, cleaned_data.get("otp_token")):
                    # Counted by django-axes like a wrong password (same username, same address).
                    user_login_failed.send(
                        sender=__name__, credentials={"username": cleaned_data.get("username")}, request=self.request
                    )
                    raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
                user.otp_device = device  # django_otp marks the session verified on user_logged_in
        return cleaned_data


class EnrolForm(forms.Form):
    otp_token = OtpTokenField(label=_("Mã xác thực"), help_text=_("6 chữ số đang hiện trong ứng dụng."))

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"]
        if not verify_code(self.device, token):
            raise forms.ValidationError(
                _("Mã không đúng. Kiểm tra giờ trên điện thoại và nhập mã đang hiện (mã đổi sau mỗi 30 giây)."),
                code="otp_invalid",
            )
        return token


@dataclass(frozen=True)
class DailyTask:
    """A shortcut on the admin's home page: what the office does every day, if the account may."""

    label: str
    help: str
    permission: str
    url_name: str
    query: str = ""


DAILY_TASKS = (
    DailyTask(_("Ghi nhận đánh giá"), _("Điểm của hội đồng cho một sản phẩm"), "evaluations.add_evaluation",
              "admin:evaluations_evaluation_add"),
    DailyTask(_("Nhập danh sách từ tệp"), _("Danh sách công nhận (CSV, Excel) hội đồng công bố"),
              "evaluations.import_register", "admin:evaluations_evaluation_import"),
    DailyTask(_("Chứng nhận sắp hết hạn"), _("Sản phẩm cần báo chủ thể làm hồ sơ công nhận lại"),
              "products.view_product", "admin:products_product_changelist",
              f"?hieu_luc={CertificateStatus.EXPIRING.value}"),  # products.admin.CertificateStatusFilter
    DailyTask(_("Bảng theo dõi tiến độ"), _("Kết quả so với chỉ tiêu từng giai đoạn"), "evaluations.view_dashboard",
              "evaluations:dashboard"),
)


def daily_tasks(user, *, site_name: str) -> list[dict]:
    """The daily tasks ``user`` may do, as links for the admin's home page."""
    return [
        {"label": task.label, "help": task.help, "url": reverse(task.url_name, current_app=site_name) + task.query}
        for task in DAILY_TASKS
        if user.has_perm(task.permission)
    ]


class OcopAdminSite(admin.AdminSite):
    login_form = AdminLoginForm
    index_template = "admin/otp/index.html"

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "daily_tasks": daily_tasks(request.user, site_name=self.name)}
        return super().index(request, extra_context)

    # --- who may use the admin -------------------------------------------------------------
    def has_permission(self, request):
        # An account with an authenticator gave its code at login (AdminLoginForm), the only way in; so
        # only the accounts that must have one are checked on each request, at no cost in queries.
        user = request.user
        return super().has_permission(request) and (user.is_verified() or not second_factor_required(user))

    def must_enrol(self, request) -> bool:
        """A staff account that must have a second factor and has none yet."""
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and second_factor_required(user)
            and not user.is_verified()
            and confirmed_device(user) is None
        )

    def enrolment_redirect(self, request):
        url = reverse("admin:otp_enrol", current_app=self.name)
        return redirect_to_login(request.get_full_path(), url)

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)
        unguarded = csrf_protect(view)

        def inner(request, *args, **kwargs):
            if not self.has_permission(request) and self.must_enrol(request):
                if request.path == reverse("admin:logout", current_app=self.name):
                    return unguarded(request, *args, **kwargs)  # logging out needs no second factor
                return self.enrolment_redirect(request)
            return protected(request, *args, **kwargs)

        return update_wrapper(inner, protected)

    def login(self, request, extra_context=None):
        if request.method == "GET" and request.user.is_authenticated and self.must_enrol(request):
            return self.enrolment_redirect(request)
        return super().login(request, extra_context)

    # --- enrolment -------------------------------------------------------------------------
    def get_urls(self):
        return [
            path("xac-thuc-hai-buoc/", never_cache(csrf_protect(self.otp_enrol)), name="otp_enrol"),
        ] + super().get_urls()

    def otp_enrol(self, request):
        """Show the authenticator's QR code and confirm it with a first code."""
        user = request.user
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login", current_app=self.name))
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = ""
        context = {
            **self.each_context(request),
            "title": _("Xác thực hai bước"),
            "next": next_url,
            "required": second_factor_required(user),
        }
        existing = confirmed_device(user)
        if existing is not None:
            if not user.is_verified():
                # Enrolled elsewhere since this session began: log in again with a code.
                return redirect_to_login(request.get_full_path(), reverse("admin:login", current_app=self.name))
            context["device"] = existing
            return TemplateResponse(request, "admin/otp/enrolled.html", context)

        device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=str(_("Ứng dụng xác thực")), confirmed=False)
        form = EnrolForm(request.POST or None, device=device)
        if request.method == "POST" and form.is_valid():
            device.refresh_from_db()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
            otp_login(request, device)
            messages.success(request, _("Đã bật xác thực hai bước. Từ lần sau, khi đăng nhập hãy nhập cả mã 6 chữ số."))
            return HttpResponseRedirect(next_url or reverse("admin:index", current_app=self.name))

        secret = b32encode(device.bin_key).decode()
        qr_code = segno.make(device.config_url, error="m")
        context.update(
            {
                "form": form,
                # Inline SVG: no script, no style attribute, nothing fetched (CSP).
                "qr_svg": mark_safe(qr_code.svg_inline(scale=4, dark="#000", light="#fff", svgclass="otp-qr")),
                "config_url": device.config_url,
                "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            }
        )
        return TemplateResponse(request, "admin/otp/enrol.html", context)
