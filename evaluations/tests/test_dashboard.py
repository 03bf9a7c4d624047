"""The officials' dashboard page and the expiring-certificates CSV."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from tests.factories import make_phase, make_producer, make_product, make_recognition

D = datetime.date


def login_url_back_to(path):
    return f"{reverse('admin:login')}?next={path}"


@pytest.mark.parametrize("name", ["evaluations:dashboard", "evaluations:expiring_csv"])
def test_anonymous_visitor_is_sent_to_log_in_and_back(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assertRedirects(response, login_url_back_to(url), fetch_redirect_response=False)
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("name", ["evaluations:dashboard", "evaluations:expiring_csv"])
def test_user_without_the_dashboard_permission_is_sent_to_log_in_and_back(client, db, name):
    client.force_login(User.objects.create_user("khach", password="x"))
    url = reverse(name)
    response = client.get(url)
    assertRedirects(response, login_url_back_to(url), fetch_redirect_response=False)
    assert "Content-Disposition" not in response  # not the CSV with producers' contacts


def test_superuser_sees_the_dashboard_without_the_explicit_permission(client, db):
    make_recognition(stars=4, decision_date=D(2024, 1, 10))
    client.force_login(User.objects.create_superuser("admin", password="x"))
    response = client.get(reverse("evaluations:dashboard"), {"as_of": "2024-06-30"})
    assertContains(response, "<h1>Tiến độ thực hiện chương trình OCOP</h1>", html=True)
    assertContains(response, "Số liệu tính đến hết ngày <strong>30/06/2024</strong>")
    assertContains(response, '<span class="tile-n" id="valid-total">1</span>', html=True)
    assertContains(response, 'class="chart chart-stars"')
    assertContains(response, f'href="{reverse("evaluations:expiring_csv")}?as_of=2024-06-30"')


def test_dashboard_shows_targets_pace_rule_and_charts(official_client):
    make_recognition(stars=3, decision_date=D(2020, 6, 12))
    response = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2020-06-30"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Cách tính số liệu" in html
    assert "30/06/2020" in html
    assert "chậm tiến độ" in html
    assert html.count('class="chart chart-progress"') == 2  # one per phase
    assert 'data-achieved="1" data-target="53"' in html


def test_as_of_date_limits_figures_to_decisions_on_or_before_it(official_client):
    make_recognition(stars=3, decision_date=D(2020, 6, 12))
    before = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2020-06-11"}).content.decode()
    assert 'data-achieved="0" data-target="53"' in before


@pytest.mark.parametrize("value", ["zzz", "2020-13-45", "0001-01-01", "99999-01-01", "<script>"])
def test_bad_as_of_never_gives_a_500(official_client, value):
    response = official_client.get(reverse("evaluations:dashboard"), {"as_of": value})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_vietnamese_date_format_is_accepted(official_client):
    response = official_client.get(reverse("evaluations:dashboard"), {"as_of": "30/06/2020"})
    assert "Số liệu tính đến hết ngày <strong>30/06/2020</strong>" in response.content.decode()


@pytest.mark.parametrize("value", ["2020-06-30", "30/06/2020"])
def test_both_date_formats_give_the_same_figures(official_client, value):
    make_recognition(stars=3, decision_date=D(2020, 6, 12))
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": value}).content.decode()
    assert "Số liệu tính đến hết ngày <strong>30/06/2020</strong>" in html
    assert 'data-achieved="1" data-target="53"' in html
    assert "errorlist" not in html


@pytest.mark.parametrize(
    "value, message",
    [
        ("zzz", "Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 30/06/2020."),
        ("31/02/2020", "Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 30/06/2020."),
        ("31/12/1899", "Ngày phải nằm trong khoảng năm 1900 đến năm 2999."),
        ("3000-01-01", "Ngày phải nằm trong khoảng năm 1900 đến năm 2999."),
    ],
)
def test_bad_as_of_shows_the_error_and_the_figures_of_today(official_client, value, message):
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": value}).content.decode()
    assert '<ul class="errorlist"' in html and message in html
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Số liệu tính đến hết ngày <strong>{today}</strong>" in html
    assert f'value="{value}"' in html  # the input is shown back to be corrected


def test_bad_as_of_is_explained_in_english_under_the_english_interface(official_client):
    html = official_client.get(
        reverse("evaluations:dashboard"), {"as_of": "zzz"}, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"
    ).content.decode()
    assert "Invalid date. Enter it as day/month/year, e.g. 30/06/2020." in html


def test_without_as_of_the_form_shows_today_as_day_month_year_in_a_text_box(official_client):
    html = official_client.get(reverse("evaluations:dashboard")).content.decode()
    field = re.search(r'<input [^>]*name="as_of"[^>]*>', html).group(0)
    assert 'type="text"' in field and 'type="date"' not in html
    assert f'value="{timezone.localdate().strftime("%d/%m/%Y")}"' in field
    assert "errorlist" not in html


def test_an_old_iso_link_is_shown_back_as_day_month_year(official_client):
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2020-06-30"}).content.decode()
    assert 'value="30/06/2020"' in html
    assert f'href="{reverse("evaluations:expiring_csv")}?as_of=2020-06-30"' in html


def test_phase_cards_say_not_started_and_write_equal_star_bounds_once(official_client):
    make_phase(targets=[("Sản phẩm 5 sao", "recognised", 5, 5, 4)])
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2025-06-30"}).content.decode()
    phase = html[html.index('data-phase="2026–2030"'):]
    phase = phase[: phase.index("</section>")]
    assert '<span class="pace pace-not_started">chưa bắt đầu</span>' in phase and "đúng tiến độ" not in phase
    assert ", 5★</small>" in phase and "5–5" not in html
    assert ", 3–4★</small>" in html


def test_dashboard_keeps_the_phase_tallies_and_the_re_recognition_rule(official_client):
    make_recognition(stars=3, decision_date=D(2020, 6, 12))
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2020-06-30"}).content.decode()
    assert "Sản phẩm được công nhận trong giai đoạn: 1 (1 mới, 0 công nhận lại)." in html
    assert "“Công nhận lại” là sản phẩm đã từng được công nhận" in html
    assert "<summary><h2" not in html  # the counting rule is a plain section: no lone disclosure triangle


def test_every_table_cell_is_labelled_for_the_phone_cards(official_client):
    make_recognition(stars=4, decision_date=D(2019, 12, 23))
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2022-11-01"}).content.decode()
    tables = re.findall(r'<table class="data stack[^"]*">.*?</table>', html, flags=re.S)
    assert len(tables) == 8  # two phases, the years, four breakdowns, the expiring list
    assert 'class="data stack expiring"' in tables[-1]
    for table in tables:
        body = table[table.index("<tbody>"):]
        cells = re.findall(r"<td(?![^>]*colspan)[^>]*>", body)
        assert cells and all("data-label=" in cell for cell in cells), table[:80]


def test_expiring_csv_reads_the_same_as_of_formats(official_client):
    make_recognition(stars=3, decision_date=D(2019, 12, 23))
    url = reverse("evaluations:expiring_csv")
    iso = official_client.get(url, {"as_of": "2022-11-01"})
    vietnamese = official_client.get(url, {"as_of": "01/11/2022"})
    assert iso["Content-Disposition"] == vietnamese["Content-Disposition"]
    assert "ocop-sap-het-han-2022-11-01.csv" in iso["Content-Disposition"]
    assert iso.content == vietnamese.content


def test_expiring_certificates_are_listed_with_the_producer_contact(official_client):
    producer = make_producer(name="HTX Chè Lam Phủ Quảng", representative="Lê Thị Thu", phone="0912000111",
                             email="thu@example.vn", address="Thôn 2")
    make_recognition(make_product(producer=producer), stars=4, decision_date=D(2019, 12, 23))
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2022-11-01"}).content.decode()
    for text in ("HTX Chè Lam Phủ Quảng", "Lê Thị Thu", "0912000111", "thu@example.vn", "23/12/2022"):
        assert text in html


def test_expiring_csv_is_utf8_with_bom_and_has_the_contact(official_client):
    producer = make_producer(name="Hộ kinh doanh Đỗ Văn Hùng", phone="0912000222", email="hung@example.vn")
    make_recognition(make_product(producer=producer, name="Nem chua"), stars=3, decision_date=D(2019, 12, 23))
    make_recognition(stars=3, decision_date=D(2021, 12, 23))  # not expiring yet
    response = official_client.get(reverse("evaluations:expiring_csv"), {"as_of": "2022-11-01"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2
    assert "Nem chua" in lines[1] and "0912000222" in lines[1] and "Hộ kinh doanh Đỗ Văn Hùng" in lines[1]
    assert "23/11/2022" in lines[1]  # send the 30-day notice by then


def test_dashboard_query_count_does_not_grow_with_products_communes_and_phases(
    official_client, django_assert_max_num_queries
):
    from tests.factories import any_commune

    make_recognition(stars=3, decision_date=D(2024, 1, 1))
    url = reverse("evaluations:dashboard")
    # 19 for the page, the demo banner's check (base.html) and the session save every staff request makes (the
    # 8-hour idle timeout).
    with django_assert_max_num_queries(21) as captured:
        official_client.get(url, {"as_of": "2026-06-30"})
    baseline = len(captured)
    for index, commune in enumerate(type(any_commune()).objects.order_by("code")[10:16]):
        product = make_product(producer=make_producer(commune=commune), commune=commune)
        make_recognition(product, stars=3, decision_date=D(2019 + index, 12, 23))
    make_phase(targets=[("A", "recognised", 3, 4, 10), ("B", "proposed_national", 5, 5, 1)])
    with django_assert_max_num_queries(baseline) as captured:
        response = official_client.get(url, {"as_of": "2026-06-30"})
    assert response.status_code == 200
    assert len(captured) <= baseline  # the demo banner's check is once per data version: maybe not this time
    # The extra rows are on the page: the new phase with its two targets, the new communes' products.
    assertContains(response, 'data-phase="2026–2030"')
    assert response.content.decode().count('class="chart chart-progress"') == 3
    assertContains(response, '<span class="tile-n" id="valid-total">3</span>', html=True)


def test_chart_geometry_is_never_localised(official_client):
    """Vietnamese formats 12.3 as "12,3", which SVG cannot read: every chart number stays plain."""
    make_recognition(stars=3, decision_date=D(2019, 12, 23))
    make_recognition(stars=4, decision_date=D(2020, 3, 3))
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2020-12-31"}).content.decode()
    svg = "".join(re.findall(r"<svg.*?</svg>", html, flags=re.S))
    numbers = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?%?", n) for n in numbers), numbers
    fills = [float(w) for w in re.findall(r'class="bar-fill[^"]*" x="0" y="0" width="([\d.]+)%"', svg)]
    assert fills == [pytest.approx(100 * 2 / 53, abs=0.1), 0, 0, 0]  # 2 of 53; nothing yet for the others


def test_chart_labels_are_html_text_outside_the_svg(official_client):
    """An SVG scales with its box, and so would text inside it (6 px on a phone): labels are HTML, bars SVG."""
    make_recognition(stars=3, decision_date=D(2019, 12, 23))
    html = official_client.get(reverse("evaluations:dashboard"), {"as_of": "2020-12-31"}).content.decode()
    assert "<text" not in html and "viewBox" not in html
    assert '<span class="chart-label">Sản phẩm được công nhận cấp tỉnh (3–4 sao): 1/53 (1,9%)</span>' in html
    assert '<span class="chart-label">2019: 1 (1 mới, 0 công nhận lại)</span>' in html


def test_expiring_csv_neutralises_formula_like_text(official_client):
    """Producer details are typed by staff and importers: a spreadsheet must never evaluate them."""
    import csv
    import io

    producer = make_producer(name='=HYPERLINK("http://evil.example","x")', representative="@SUM(A1:A9)",
                             address="-1+1", email="hung@example.vn")
    make_recognition(make_product(producer=producer, name="+Nem chua"), stars=3, decision_date=D(2019, 12, 23))
    response = official_client.get(reverse("evaluations:expiring_csv"), {"as_of": "2022-11-01"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    record = dict(zip(header, row))
    assert record["Sản phẩm"] == "'+Nem chua"
    assert record["Chủ thể"] == '\'=HYPERLINK("http://evil.example","x")'
    assert record["Người đại diện"] == "'@SUM(A1:A9)"
    assert record["Địa chỉ"] == "'-1+1"
    assert (record["Email"], record["Hạng sao"], record["Hạn gửi thông báo"]) == ("hung@example.vn", "3", "23/11/2022")


def test_counting_rule_states_the_validity_from_the_rules_module(official_client):
    from unittest import mock

    from dateutil.relativedelta import relativedelta

    from evaluations import rules

    rule = (
        "còn hiệu lực nếu chưa quá {n} tháng kể từ ngày quyết định (tính theo hạng sao của quyết định đó), "
        "hết hiệu lực nếu đã quá {n} tháng"
    )
    url = reverse("evaluations:dashboard")
    html = official_client.get(url, {"as_of": "2031-01-01"}).content.decode()
    assert rule.format(n=36) in html
    assert "sắp hết hiệu lực trong 90 ngày" in html and "ít nhất 30 ngày trước khi" in html
    with mock.patch.object(rules, "CERTIFICATE_VALIDITY", relativedelta(years=4)):
        html = official_client.get(url, {"as_of": "2031-01-01"}).content.decode()
    assert rule.format(n=48) in html
