"""The annual report (/bang-dieu-khien/bao-cao.xlsx): read back with openpyxl, figure for figure against the
dashboard of the same date."""

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations import rules, selectors
from evaluations.tests.test_dashboard import login_url_back_to

REPORT = reverse("evaluations:report_xlsx")
SHEETS = ["Tổng hợp", "Theo hạng sao", "Theo nhóm", "Theo huyện cũ", "Theo xã hiện nay", "Theo năm", "Sắp hết hạn",
          "Đã hết hạn"]
HEADER_ROW = 3


@pytest.fixture
def registry(db):
    call_command("load_demo", verbosity=0)  # eight years of decisions, every status, the seeded phases


def download(client, **query):
    response = client.get(REPORT, query)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response, load_workbook(io.BytesIO(response.content))


def table(ws, columns):
    return [list(row[:columns]) for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if row[0] is not None]


def test_the_report_of_a_year_has_the_dashboards_figures_of_its_last_day(official_client, registry):
    response, book = download(official_client, nam="2024")
    day = datetime.date(2024, 12, 31)
    data = selectors.dashboard_on(day=day)

    assert 'filename="bao-cao-ocop-2024-12-31.xlsx"' in response["Content-Disposition"]
    assert book.sheetnames == SHEETS
    summary = book["Tổng hợp"]
    assert summary["A2"].value == "Số liệu đến ngày 31/12/2024"
    figures = {label.strip(): n for label, n in summary.iter_rows(min_row=4, max_row=11, max_col=2, values_only=True)}
    standing = data.standing
    assert figures["Còn hiệu lực"] == standing.valid
    assert [figures[f"trong đó {s} sao"] for s in rules.CERTIFIED_STARS] == [
        standing.valid_by_stars[s] for s in rules.CERTIFIED_STARS
    ]
    assert (figures["Hết hiệu lực"], figures["Đã thu hồi"]) == (standing.expired, standing.revoked)
    assert figures["Đã công nhận (lũy kế, trừ thu hồi)"] == standing.recognised
    targets = [row for row in summary.iter_rows(min_row=15, values_only=True) if row[0]]
    assert [(t[1], t[2], t[4]) for t in targets] == [
        (target.target, target.achieved, target.remaining) for phase in data.phases for target in phase.targets
    ]
    assert len(targets) == 4  # the seeded phases' four targets

    assert table(book["Theo hạng sao"], 3) == [
        [f"{s} sao", standing.valid_by_stars[s], standing.expired_by_stars[s]] for s in rules.CERTIFIED_STARS
    ]
    for name, rows in (("Theo nhóm", data.by_group), ("Theo huyện cũ", data.by_district),
                       ("Theo xã hiện nay", data.by_commune)):
        assert table(book[name], 3) == [[r.label, r.valid, r.recognised] for r in rows], name
    assert table(book["Theo năm"], 7) == [
        [y.year, *[y.tally.by_stars[s] for s in rules.CERTIFIED_STARS], y.tally.products, y.tally.new,
         y.tally.rerecognised]
        for y in data.years
    ]
    assert [row[0] for row in table(book["Sắp hết hạn"], 1)] == [e.product.code for e in data.expiring]
    expired = list(selectors.expired_certificates(day=day))
    assert expired and [row[0] for row in table(book["Đã hết hạn"], 1)] == [e.product.code for e in expired]
    assert len(expired) == standing.expired


def test_every_sheet_has_a_native_chart_and_prints_on_a4_landscape_with_repeated_headers(official_client, registry):
    _response, book = download(official_client, nam="2025")

    for ws in book:
        assert len(ws._charts) == 1, ws.title  # an Excel chart object, not a picture
        assert not ws._images
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.print_title_rows == "$1:$3"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    raw = io.BytesIO(_response.content)
    charts = [name for name in zipfile.ZipFile(raw).namelist() if name.startswith("xl/charts/chart")]
    assert len(charts) == len(SHEETS)


def test_the_year_in_progress_is_reported_up_to_today_and_as_of_as_the_dashboard(official_client, registry):
    today = timezone.localdate()
    response, _book = download(official_client, nam=str(today.year))
    assert f"bao-cao-ocop-{today.isoformat()}.xlsx" in response["Content-Disposition"]

    response, book = download(official_client, as_of="30/06/2022")
    assert "bao-cao-ocop-2022-06-30.xlsx" in response["Content-Disposition"]
    assert book["Tổng hợp"]["B4"].value == selectors.dashboard_on(day=datetime.date(2022, 6, 30)).standing.valid


@pytest.mark.parametrize("query", [{"nam": "2017"}, {"nam": "20x5"}, {"nam": "3000"}, {"as_of": "31/02/2024"}])
def test_a_year_or_date_without_figures_is_refused_with_a_message(official_client, query):
    response = official_client.get(REPORT, query)

    assert response.status_code == 400
    text = response.content.decode()
    assert "không hợp lệ" in text or "Ngày" in text or "ngày" in text


def test_only_officials_download_it(client, db):
    response = client.get(REPORT, {"nam": "2024"})

    assert response.status_code == 302
    assert response["Location"].startswith(login_url_back_to(""))


def test_the_report_takes_a_constant_number_of_queries(official_client, registry, django_assert_max_num_queries):
    # The session, the user and their permissions (4), the dashboard's 11, the expired list, a savepoint pair.
    with django_assert_max_num_queries(18):
        download(official_client, nam="2024")


def test_the_dashboard_offers_the_report(official_client, db):
    html = official_client.get(reverse("evaluations:dashboard")).content.decode()

    assert f'action="{REPORT}"' in html and 'name="nam"' in html
