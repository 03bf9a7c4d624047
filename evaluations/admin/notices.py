"""Renewal notices in the admin: the record of every notice (read-only), and the producer's actions that send or
download a letter (``evaluations.notices``), added to the producer admin by ``products.admin``."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import notices
from ..models import RenewalNotice


@admin.register(RenewalNotice)
class RenewalNoticeAdmin(admin.ModelAdmin):
    """What was sent to whom, when, by whom, and how it went: written by the notices, never edited."""

    list_display = ("created_at", "producer", "channel", "recipients", "sender", "outcome", "products")
    list_filter = ("outcome", "channel", "sent_by_command")
    list_select_related = ("producer", "sent_by")
    search_fields = ("producer__name", "recipients")
    date_hierarchy = "created_at"
    fields = ("created_at", "as_of", "producer", "certificates_display", "channel", "recipients", "sender",
              "outcome", "error")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("certificates__product")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("sản phẩm"))
    def products(self, obj):
        return ", ".join(c.product.code for c in obj.certificates.all())

    @admin.display(description=_("giấy chứng nhận"))
    def certificates_display(self, obj):
        return "; ".join(
            gettext("%(name)s (%(code)s), quyết định số %(no)s, hiệu lực đến %(until)s")
            % {"name": c.product.name, "code": c.product.code, "no": c.decision_no,
               "until": f"{c.valid_until:%d/%m/%Y}"}
            for c in obj.certificates.all()
        )

    @admin.display(description=_("người gửi"))
    def sender(self, obj):
        return obj.sender


class RenewalLetterActions:
    """Producer admin actions: send a producer's renewal notice now, or download it to print, sign and post. For
    those allowed to send notices (``evaluations.add_renewalnotice``: the coordination office)."""

    def has_send_notice_permission(self, request):
        return request.user.has_perm("evaluations.add_renewalnotice")

    @admin.action(description=_("Gửi thông báo gia hạn (email) cho chủ thể đã chọn"), permissions=["send_notice"])
    def send_renewal_notice(self, request, queryset):
        today = timezone.localdate()
        for producer in queryset:
            letter = notices.letter_for(producer, today)
            if letter is None:
                self.message_user(request, gettext("%(producer)s: không có giấy chứng nhận nào sắp hết hiệu lực.")
                                  % {"producer": producer}, messages.INFO)
            elif not letter.recipients:
                self.message_user(request, gettext("%(producer)s chưa có email: hãy tải thư để gửi bưu điện hoặc "
                                                   "gọi điện.") % {"producer": producer}, messages.WARNING)
            else:
                notice = notices.send_letter(letter, user=request.user)
                if notice.outcome == RenewalNotice.Outcome.SENT:
                    self.message_user(request, ngettext(
                        "Đã gửi thông báo về %(count)d giấy chứng nhận đến %(to)s.",
                        "Đã gửi thông báo về %(count)d giấy chứng nhận đến %(to)s.",
                        len(letter.certificates),
                    ) % {"count": len(letter.certificates), "to": notice.recipients}, messages.SUCCESS)
                else:
                    self.message_user(request, gettext("Gửi thông báo cho %(producer)s không thành công (%(error)s); "
                                                       "đã ghi lại, lệnh hằng ngày sẽ gửi lại.")
                                      % {"producer": producer, "error": notice.error}, messages.ERROR)

    @admin.action(description=_("Tải thư thông báo gia hạn (Word) để in, ký và gửi"), permissions=["send_notice"])
    def download_renewal_letter(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("Hãy chọn đúng một chủ thể để tải thư."), messages.WARNING)
            return None
        producer = queryset.get()
        letter = notices.letter_for(producer, timezone.localdate())
        if letter is None:
            self.message_user(request, gettext("%(producer)s: không có giấy chứng nhận nào sắp hết hiệu lực.")
                              % {"producer": producer}, messages.INFO)
            return None
        content = notices.render_letter(letter)
        notices.record_posted(letter, user=request.user)
        response = HttpResponse(content, content_type=notices.DOCX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{letter.filename}"'
        return response


def renewal_notice_display(product) -> str:
    """The product page's line: the current certificate's latest sent notice, or that it has none."""
    if product.current_recognition_id is None:
        return "—"
    notice = notices.last_sent([product.current_recognition_id]).get(product.current_recognition_id)
    return format_html("{}", notices.notice_state(notice))
