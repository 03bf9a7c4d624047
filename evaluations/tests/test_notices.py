"""Renewal notices: found, written as a Word letter, emailed through a real SMTP server (aiosmtpd), recorded,
never sent twice, retried after a failure; and what staff see of them."""

import csv
import datetime
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document

from evaluations import notices, rules
from evaluations.models import RenewalNotice
from products.models import Commune
from tests.factories import make_producer, make_product, make_recognition
from tests.smtp import smtp_server

AS_OF = datetime.date(2025, 10, 1)
D = datetime.date


def decided_for(days_left: int, as_of=AS_OF) -> datetime.date:
    """The decision date of a certificate valid for ``days_left`` more days after ``as_of``."""
    valid_until = as_of + datetime.timedelta(days=days_left)
    day = valid_until - relativedelta(months=36)
    while rules.certificate_valid_until(day) < valid_until:
        day += datetime.timedelta(days=1)
    assert rules.certificate_valid_until(day) == valid_until
    return day


def certificate(producer, days_left, *, name=None, commune=None):
    commune = commune or Commune.objects.order_by("code").last()  # a commune without an OCOP contact
    item = make_product(producer=producer, name=name or f"Sản phẩm còn {days_left} ngày", commune=commune)
    return make_recognition(item, stars=4, decision_date=decided_for(days_left))


@pytest.fixture
def inbox(settings):
    settings.OFFICE_NAME = "Văn phòng Điều phối nông thôn mới tỉnh Thanh Hóa"
    settings.OFFICE_PHONE = "0237 3 852 000"
    settings.OFFICE_EMAIL = "ocop@vpdp.example.vn"
    settings.DEFAULT_FROM_EMAIL = "ocop@vpdp.example.vn"
    settings.RENEWAL_NOTICE_WINDOW = (30, 90)
    with smtp_server(settings) as server:
        yield server


@pytest.fixture
def registry(db):
    commune = Commune.objects.order_by("code").first()
    commune.contact_email = "ocop@xa.example.vn"
    commune.save()
    le_gia = make_producer(name="Công ty TNHH Lê Gia & Con", email="legia@example.vn", address="Thôn 3")
    thu = make_producer(name="HTX Chè Thu", email="thu@example.vn")
    return {
        "le_gia": le_gia,
        "thu": thu,
        "nuoc_mam": certificate(le_gia, 40, name="Nước mắm Lê Gia", commune=commune),
        "mam_tom": certificate(le_gia, 80, name="Mắm tôm <Lê Gia>"),
        "che": certificate(thu, 60, name="Chè xanh Thu"),
        "no_email": certificate(make_producer(name="Hộ Đỗ Văn Ba", email=""), 50, name="Bánh gai Ba"),
        "later": certificate(make_producer(email="later@example.vn"), 120),
        "late": certificate(make_producer(name="HTX Muộn", email="muon@example.vn"), 10, name="Rượu muộn"),
        "demo": certificate(make_producer(email="demo@example.vn", is_demo=True), 50),
    }


def run(as_of=AS_OF, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("send_renewal_notices", as_of=as_of, stdout=out, stderr=err, **options)
    return out.getvalue()


def letter_text(attachment: bytes) -> str:
    document = Document(io.BytesIO(attachment))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_each_producer_gets_one_letter_for_all_their_expiring_certificates(inbox, registry):
    output = run()

    assert sorted(m["To"] for m in inbox.messages) == ["legia@example.vn", "thu@example.vn"]
    message = next(m for m in inbox.messages if m["To"] == "legia@example.vn")
    assert message["Subject"].strip() == "Thông báo giấy chứng nhận OCOP sắp hết hiệu lực — Công ty TNHH Lê Gia & Con"
    assert message["Cc"] == "ocop@xa.example.vn"  # the OCOP contact of the product's commune
    assert sorted(message.envelope_recipients) == ["legia@example.vn", "ocop@xa.example.vn"]
    body = message.get_body(("plain",)).get_content()
    for certificate_ in (registry["nuoc_mam"], registry["mam_tom"]):
        assert certificate_.product.name in body and certificate_.product.code in body
        assert f"hiệu lực đến {certificate_.valid_until:%d/%m/%Y}" in body
    assert "Chè xanh Thu" not in body
    assert "0237 3 852 000" in body and "ocop@vpdp.example.vn" in body  # the office's contact

    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().startswith("thong-bao-gia-han-ocop-")
    assert attachment.get_filename().endswith(".docx")
    assert attachment.get_content_type() == notices.DOCX_TYPE
    letter = letter_text(attachment.get_content())
    assert "THÔNG BÁO" in letter and "Kính gửi: Công ty TNHH Lê Gia & Con (Thôn 3)" in letter
    assert "Mắm tôm <Lê Gia>" in letter and "Nước mắm Lê Gia" in letter  # escaped in the XML, read back intact
    assert f"{registry['mam_tom'].valid_until:%d/%m/%Y}" in letter
    assert f"trước ngày {registry['nuoc_mam'].valid_until:%d/%m/%Y}" in letter  # the first to lapse
    assert "0237 3 852 000" in letter and "CHÁNH VĂN PHÒNG" in letter

    notice = RenewalNotice.objects.get(producer=registry["le_gia"])
    assert (notice.outcome, notice.channel, notice.sent_by_command, notice.as_of) == ("sent", "email", True, AS_OF)
    assert notice.recipients == "legia@example.vn, ocop@xa.example.vn"
    assert set(notice.certificates.all()) == {registry["nuoc_mam"], registry["mam_tom"]}
    # Listed for the office, never emailed: without an email, lapsing sooner than the window, later, demo data.
    assert "Hộ Đỗ Văn Ba" in output and "Bánh gai Ba" in output
    assert "HTX Muộn" in output and "Rượu muộn" in output
    assert RenewalNotice.objects.count() == 2


def test_running_twice_sends_nothing_twice(inbox, registry):
    run()
    run()
    output = run(as_of=AS_OF + datetime.timedelta(days=5))

    assert len(inbox.messages) == 2
    assert RenewalNotice.objects.count() == 2
    assert "Sent 0, failed 0, without email 1." in output  # the one without an email is listed each day


def test_a_failed_send_is_recorded_and_retried_by_the_next_run(inbox, registry):
    inbox.refused = {"thu@example.vn"}
    with pytest.raises(CommandError, match="1 notices failed"):
        run()

    failed = RenewalNotice.objects.get(producer=registry["thu"])
    assert failed.outcome == RenewalNotice.Outcome.FAILED and "550" in failed.error
    assert [m["To"] for m in inbox.messages] == ["legia@example.vn"]

    inbox.refused = set()
    run()
    assert [m["To"] for m in inbox.messages] == ["legia@example.vn", "thu@example.vn"]
    assert list(RenewalNotice.objects.filter(producer=registry["thu"]).values_list("outcome", flat=True)) == [
        "sent", "failed"
    ]


def test_a_dry_run_sends_and_records_nothing(inbox, registry):
    output = run(dry_run=True)

    assert "would email legia@example.vn, ocop@xa.example.vn" in output
    assert inbox.messages == [] and not RenewalNotice.objects.exists()


def test_a_bad_as_of_is_a_clear_error(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_renewal_notices", "--as-of", "01/10/2025")


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("van-phong", password="x", first_name="Lan")
    client.force_login(user)
    return client


def test_staff_see_the_notice_on_the_product_page_and_the_dashboard(inbox, registry, staff_client, settings):
    product = registry["nuoc_mam"].product
    page = reverse("admin:products_product_change", args=[product.pk])
    assert "Chưa thông báo" in staff_client.get(page).content.decode()

    run()

    html = staff_client.get(page).content.decode()
    notified = RenewalNotice.objects.get(producer=registry["le_gia"]).created_at
    assert f"Đã thông báo ngày {timezone.localtime(notified):%d/%m/%Y} (Thư điện tử, lệnh gửi tự động)" in html
    dashboard = staff_client.get(reverse("evaluations:dashboard"), {"as_of": "2025-10-01"}).content.decode()
    assert "lệnh gửi tự động" in dashboard and "Chưa thông báo" in dashboard  # Bánh gai Ba has no email
    response = staff_client.get(reverse("evaluations:expiring_csv"), {"as_of": "2025-10-01"})
    rows = {row[1]: row for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert rows["Sản phẩm"][-1] == "Thông báo gia hạn"
    assert rows["Nước mắm Lê Gia"][-1] == (
        f"Đã thông báo ngày {timezone.localtime(notified):%d/%m/%Y} (Thư điện tử, lệnh gửi tự động)"
    )
    assert rows["Bánh gai Ba"][-1] == "Chưa thông báo"


def act(client, action, producer):
    changelist = reverse("admin:products_producer_changelist")
    return client.post(changelist, {"action": action, "_selected_action": [producer.pk]}, follow=True)


def test_staff_send_one_producers_letter_from_the_admin(inbox, registry, staff_client, monkeypatch):
    monkeypatch.setattr(notices.timezone, "localdate", lambda: AS_OF)  # the admin works as of today
    response = act(staff_client, "send_renewal_notice", registry["thu"])

    assert "Đã gửi thông báo về 1 giấy chứng nhận đến thu@example.vn." in response.content.decode()
    assert [m["To"] for m in inbox.messages] == ["thu@example.vn"]
    notice = RenewalNotice.objects.get()
    assert (notice.sent_by_command, notice.sender, notice.outcome) == (False, "Lan", "sent")

    response = act(staff_client, "send_renewal_notice", registry["no_email"].product.producer)
    assert "chưa có email" in response.content.decode()


def test_staff_download_a_producers_letter_and_it_counts_as_notified(registry, staff_client, monkeypatch):
    monkeypatch.setattr(notices.timezone, "localdate", lambda: AS_OF)  # the admin works as of today
    response = act(staff_client, "download_renewal_letter", registry["no_email"].product.producer)

    assert response.status_code == 200
    assert response["Content-Type"] == notices.DOCX_TYPE
    assert "Bánh gai Ba" in letter_text(response.content)
    notice = RenewalNotice.objects.get()
    assert (notice.channel, notice.outcome, notice.sender) == ("post", "sent", "Lan")
    assert list(notice.certificates.all()) == [registry["no_email"]]
    assert notices.letters_due(AS_OF, (30, 90))  # the others are still due…
    assert registry["no_email"].product.producer not in [letter.producer for letter in notices.letters_due(AS_OF)]


def test_only_the_coordination_office_sends_notices(client, registry, django_user_model):
    from django.contrib.auth.models import Group

    clerk = django_user_model.objects.create_user("nhap-lieu", password="x", is_staff=True)
    clerk.groups.add(Group.objects.get(name="Cán bộ nhập liệu"))
    client.force_login(clerk)
    page = client.get(reverse("admin:products_producer_changelist")).content.decode()
    assert "send_renewal_notice" not in page and "download_renewal_letter" not in page
    assert client.get(reverse("admin:evaluations_renewalnotice_changelist")).status_code == 200  # the record: read

    office = django_user_model.objects.create_user("van-phong-2", password="x", is_staff=True)
    office.groups.add(Group.objects.get(name="Văn phòng điều phối"))
    client.force_login(office)
    page = client.get(reverse("admin:products_producer_changelist")).content.decode()
    assert "send_renewal_notice" in page and "download_renewal_letter" in page
