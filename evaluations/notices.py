"""Renewal notices: the letter a producer gets before their OCOP certificates expire, sent and remembered.

The rules (DOMAIN.md) oblige the office to notify each producer at least ``rules.RENEWAL_NOTICE_DAYS`` days before
a certificate expires. ``manage.py send_renewal_notices``, run daily, finds the certificates lapsing within the
notice window (``settings.RENEWAL_NOTICE_WINDOW``; by default from ``rules.RENEWAL_NOTICE_DAYS`` to
``rules.EXPIRING_SOON_DAYS`` days before expiry) that no sent notice covers, and makes one
letter per producer covering all of them: a Vietnamese official notice as a Word document (docxtpl, from
``letters/thong-bao-gia-han.docx``) that the office can print and sign, emailed with the letter attached to the
producer (and, as a copy, to the OCOP contact of the communes of their products, when set). Every notice is recorded
(:class:`~evaluations.models.RenewalNotice`): a certificate covered by a sent notice is never notified again; a
failed send is recorded as failed and tried again by the next run. Demo data is never notified.
"""

import datetime
import logging
import smtplib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import rules
from .models import Evaluation, RenewalNotice

logger = logging.getLogger(__name__)

TEMPLATE = Path(__file__).with_name("letters") / "thong-bao-gia-han.docx"
DEFAULT_WINDOW = (rules.RENEWAL_NOTICE_DAYS, rules.EXPIRING_SOON_DAYS)


def notice_window() -> tuple[int, int]:
    """(fewest, most) days before expiry that a certificate gets its notice in."""
    return settings.RENEWAL_NOTICE_WINDOW or DEFAULT_WINDOW
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Letter:
    """One producer's notice: their certificates about to expire, as of a day."""

    producer: object
    certificates: list = field(default_factory=list)  # Evaluation, with .product (and its commune)
    as_of: datetime.date = None

    @property
    def deadline(self) -> datetime.date:
        """The date the producer should apply by: the first of the certificates to lapse."""
        return min(c.valid_until for c in self.certificates)

    @property
    def recipients(self) -> list[str]:
        return [self.producer.email] if self.producer.email else []

    @property
    def copies(self) -> list[str]:
        """The OCOP contacts of the communes of the products, when set (``Commune.contact_email``)."""
        emails = {c.product.commune.contact_email for c in self.certificates} - {"", *self.recipients}
        return sorted(emails)

    @property
    def filename(self) -> str:
        return f"thong-bao-gia-han-ocop-{self.producer.slug}-{self.as_of.isoformat()}.docx"


def _certificates(as_of: datetime.date, *, low: int, high: int):
    """Latest recognitions of real (not demo) products, in force and not revoked on ``as_of``, that lapse between
    ``low`` and ``high`` days after it (inclusive), soonest first, with their product, commune and producer."""
    still_valid_then = rules.earliest_valid_decision_date(as_of + datetime.timedelta(days=low))
    lapsed_after = rules.earliest_valid_decision_date(as_of + datetime.timedelta(days=high + 1))
    standing = rules.certificate_status_conditions(as_of)[rules.CERTIFICATE_IN_FORCE]
    return (
        Evaluation.objects.latest_per_product(as_of)
        .with_revoked_on()
        .filter(standing, decision_date__gte=still_valid_then, decision_date__lt=lapsed_after)
        .exclude(product__is_demo=True)
        .exclude(product__producer__is_demo=True)
        .select_related("product__producer__commune", "product__commune")
        .order_by("decision_date", "product__name_key", "pk")
    )


def _letters(certificates, as_of) -> list[Letter]:
    letters = {}
    for certificate in certificates:
        producer = certificate.product.producer
        letters.setdefault(producer.pk, Letter(producer=producer, as_of=as_of)).certificates.append(certificate)
    return sorted(letters.values(), key=lambda letter: (letter.deadline, letter.producer.name_key))


def letters_due(as_of: datetime.date, window: tuple[int, int] | None = None) -> list[Letter]:
    """The letters the daily run sends: certificates lapsing within the window that no sent notice covers."""
    low, high = window or notice_window()
    certificates = _certificates(as_of, low=low, high=high).exclude(
        renewal_notices__outcome=RenewalNotice.Outcome.SENT
    )
    return _letters(certificates, as_of)


def late_certificates(as_of: datetime.date, window: tuple[int, int] | None = None):
    """Certificates lapsing sooner than the window's lower bound that no sent notice covers: past the rules' notice
    date, for staff to handle (the admin sends a producer's letter whatever the window)."""
    low, _high = window or notice_window()
    return _certificates(as_of, low=0, high=low - 1).exclude(renewal_notices__outcome=RenewalNotice.Outcome.SENT)


def letter_for(producer, as_of: datetime.date) -> Letter | None:
    """A producer's letter for the admin: every certificate of theirs lapsing within the window's upper bound,
    notified or not (staff may send again, or download it for the post)."""
    _low, high = notice_window()
    certificates = list(_certificates(as_of, low=0, high=high).filter(product__producer=producer))
    return _letters(certificates, as_of)[0] if certificates else None


def _context(letter: Letter) -> dict:
    day = timezone.localdate()
    return {
        "office_name": settings.OFFICE_NAME,
        "office_name_upper": settings.OFFICE_NAME.upper(),
        "office_address": settings.OFFICE_ADDRESS,
        "office_phone": settings.OFFICE_PHONE,
        "office_email": settings.OFFICE_EMAIL,
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}",
        "year": day.year,
        "producer_name": letter.producer.name,
        "producer_address": letter.producer.address,
        "deadline": f"{letter.deadline:%d/%m/%Y}",
        "certificates": [
            {
                "code": c.product.code,
                "name": c.product.name,
                "stars": c.stars,
                "decision_no": c.decision_no,
                "decision_date": f"{c.decision_date:%d/%m/%Y}",
                "valid_until": f"{c.valid_until:%d/%m/%Y}",
            }
            for c in letter.certificates
        ],
    }


def render_letter(letter: Letter) -> bytes:
    """The notice as a Word document (.docx), from the template in the repository."""
    import io

    # Imported here on purpose, as openpyxl is elsewhere: only a notice needs it.
    from docxtpl import DocxTemplate

    document = DocxTemplate(TEMPLATE)
    document.render(_context(letter), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def email_text(letter: Letter) -> str:
    context = _context(letter)
    lines = [
        f"Kính gửi {letter.producer.name},",
        "",
        f"{settings.OFFICE_NAME} thông báo: giấy chứng nhận sản phẩm OCOP của các sản phẩm sau đây sắp hết hiệu lực.",
        "",
    ]
    for c in context["certificates"]:
        lines.append(
            f"- {c['name']} (mã {c['code']}), {c['stars']} sao, quyết định số {c['decision_no']} ngày "
            f"{c['decision_date']}: hiệu lực đến {c['valid_until']}"
        )
    lines += [
        "",
        f"Để sản phẩm tiếp tục được công nhận, đề nghị quý đơn vị chuẩn bị hồ sơ đề nghị đánh giá, phân hạng lại "
        f"và gửi về Văn phòng trước ngày {context['deadline']}. Thông báo chính thức được đính kèm (tệp Word).",
        "",
        "Liên hệ:",
        settings.OFFICE_NAME,
        *[line for line in (settings.OFFICE_ADDRESS, settings.OFFICE_PHONE and f"Điện thoại: {settings.OFFICE_PHONE}",
                            settings.OFFICE_EMAIL and f"Email: {settings.OFFICE_EMAIL}") if line],
    ]
    return "\n".join(lines)


def _record(letter, *, channel, outcome, recipients, user=None, command=False, error="") -> RenewalNotice:
    with transaction.atomic():
        notice = RenewalNotice.objects.create(
            producer=letter.producer, as_of=letter.as_of, channel=channel, recipients=", ".join(recipients),
            sent_by=user, sent_by_command=command, outcome=outcome, error=error[:2000],
        )
        notice.certificates.set(letter.certificates)
    return notice


def send_letter(letter: Letter, *, user=None, command=False) -> RenewalNotice:
    """Email ``letter`` to the producer (copies to the communes' contacts) with the notice attached, and record
    the outcome. The producer must have an email (:attr:`Letter.recipients`)."""
    if not letter.recipients:
        raise ValueError(f"{letter.producer} has no email")
    with translation.override("vi"):  # an official letter, whatever the staff member's interface
        message = EmailMessage(
            subject=f"Thông báo giấy chứng nhận OCOP sắp hết hiệu lực — {letter.producer.name}",
            body=email_text(letter),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=letter.recipients,
            cc=letter.copies,
            reply_to=[settings.OFFICE_EMAIL] if settings.OFFICE_EMAIL else None,
        )
        message.attach(letter.filename, render_letter(letter), DOCX_TYPE)
    everyone = letter.recipients + letter.copies
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Renewal notice to %s failed: %s", letter.producer, error)
        return _record(letter, channel=RenewalNotice.Channel.EMAIL, outcome=RenewalNotice.Outcome.FAILED,
                       recipients=everyone, user=user, command=command, error=f"{error.__class__.__name__}: {error}")
    return _record(letter, channel=RenewalNotice.Channel.EMAIL, outcome=RenewalNotice.Outcome.SENT,
                   recipients=everyone, user=user, command=command)


def record_posted(letter: Letter, *, user) -> RenewalNotice:
    """Staff downloaded the letter to print, sign and post (or hand over): the certificates count as notified."""
    return _record(letter, channel=RenewalNotice.Channel.POST, outcome=RenewalNotice.Outcome.SENT,
                   recipients=[letter.producer.address or letter.producer.name], user=user)


def last_sent(certificate_ids) -> dict:
    """``{certificate id: the latest sent notice covering it}`` for those notified: one query."""
    notices = {}
    rows = (
        RenewalNotice.certificates.through.objects.filter(
            evaluation_id__in=list(certificate_ids), renewalnotice__outcome=RenewalNotice.Outcome.SENT
        )
        .select_related("renewalnotice__sent_by")
        .order_by("renewalnotice__created_at", "renewalnotice_id")
    )
    for row in rows:
        notices[row.evaluation_id] = row.renewalnotice  # the latest wins
    return notices


def notice_state(notice) -> str:
    """"Notified on dd/mm/yyyy by …", or "not notified": how staff read a certificate's notice."""
    if notice is None:
        return gettext("Chưa thông báo")
    return gettext("Đã thông báo ngày %(day)s (%(channel)s, %(sender)s)") % {
        "day": f"{timezone.localtime(notice.created_at):%d/%m/%Y}",
        "channel": notice.get_channel_display(),
        "sender": notice.sender,
    }
