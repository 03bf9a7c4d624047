"""The public progress page (/tien-do/): what the progress API publishes, as a page anyone can read."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import make_phase, make_producer, make_product, make_recognition

D = datetime.date
URL = "/tien-do/"


@pytest.fixture
def official(db):
    user = User.objects.create_user("lanh-dao", password="x")
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations"))
    return user


def page(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def target_rows(html):
    """{label: (achieved, target, percent, pace)} from the targets tables."""
    rows = re.findall(
        r'<tr class="target-row" data-achieved="(\d+)" data-pace="(\w+)">\s*<th scope="row">([^<]+)<br>.*?'
        r'data-label="Chỉ tiêu">(\d+)</td>\s*<td class="num" data-label="Tỷ lệ">([\d,]+)%',
        html,
        flags=re.S,
    )
    return {label: (int(achieved), int(target), percent, pace) for achieved, pace, label, target, percent in rows}


def test_the_public_progress_page_is_at_tien_do_for_anyone(client, db):
    assert reverse("evaluations:progress") == URL
    response = client.get(URL)
    assert response.status_code == 200  # not a login page
    assertContains(response, "<h1>Tiến độ thực hiện chương trình OCOP</h1>", html=True)
    assertNotContains(response, 'name="robots" content="noindex"')


def test_it_shows_each_phase_with_its_targets_achieved_percent_pace_charts_and_the_counting_rule(client, db):
    for _ in range(24):
        make_recognition(stars=3, decision_date=D(2020, 6, 12))
    for _ in range(6):
        make_recognition(stars=4, decision_date=D(2020, 6, 12))
    html = page(client, as_of="2020-06-30")

    assert "Số liệu tính đến hết ngày <strong>30/06/2020</strong>" in html
    rows = target_rows(html)
    assert rows["Sản phẩm được công nhận cấp tỉnh (3–4 sao)"] == (30, 53, "56,6", "behind")
    assert rows["Sản phẩm đạt 5 sao"] == (0, 3, "0,0", "not_started")
    assert 'data-achieved="30" data-target="53" data-pace="behind"' in html  # the 2018–2020 chart's bar
    assert html.count('class="chart chart-progress"') == 2
    assert "Đã qua 83,2% thời gian của giai đoạn." in html
    assert "Cách tính số liệu" in html and "Chỉ tính sản phẩm đã có quyết định công nhận" in html
    assert '<span class="tile-n" id="valid-total">30</span>' in html
    assert 'class="chart chart-stars"' in html


def test_figures_are_those_of_the_progress_api(client, db):
    make_recognition(stars=3, decision_date=D(2019, 12, 23))
    make_recognition(stars=4, decision_date=D(2021, 5, 5))
    make_recognition(stars=5, decision_date=D(2024, 5, 5))
    api = client.get(reverse("api_progress"), {"as_of": "2024-06-30"}).json()
    html = page(client, as_of="2024-06-30")
    rows = target_rows(html)

    published = [target for phase in api["phases"] for target in phase["targets"]]
    assert len(rows) == len(published) == 4
    for target in published:
        percent = f"{target['percent']:.1f}".replace(".", ",")
        assert rows[target["label"]][:3] == (target["achieved"], target["target"], percent)
    current = api["current"]
    tiles = dict(re.findall(r'<li class="tile ([\w]+)"><span class="tile-n">(\d+)</span>', html))
    assert tiles == {
        **{f"s{stars}": str(n) for stars, n in current["valid_by_stars"].items()},
        "expired": str(current["expired"]), "revoked": str(current["revoked"]),
        "expiring": str(current["expiring_90_days"]),
    }
    assert (current["valid_by_stars"], current["expired"]) == ({"3": 0, "4": 0, "5": 1}, 2)  # 36 months each


def test_nothing_beyond_the_api_no_contacts_no_expiring_list_no_breakdowns(client, db):
    producer = make_producer(name="HTX Chè Lam Phủ Quảng", representative="Lê Thị Thu", phone="0912000111",
                             email="thu@example.vn")
    make_recognition(make_product(producer=producer, name="Chè búp"), stars=4, decision_date=D(2019, 12, 23))
    html = page(client, as_of="2022-11-01")

    for private in ("HTX Chè Lam Phủ Quảng", "Lê Thị Thu", "0912000111", "thu@example.vn", "Chè búp"):
        assert private not in html
    assert "sap-het-han" not in html and 'class="data stack expiring"' not in html
    assert 'id="theo-xa"' not in html and 'id="theo-nam"' not in html
    assert "Sản phẩm được công nhận trong giai đoạn" not in html  # the phase tallies are the dashboard's
    # The expiring count is published by the API (current.expiring_90_days): the page shows it too.
    assert re.search(r'<li class="tile expiring"><span class="tile-n">1</span>', html)


def test_a_phase_that_has_not_started_says_so_not_on_track(client, db):
    make_phase(targets=[("Sản phẩm 3–4 sao", "recognised", 3, 4, 150), ("Sản phẩm 5 sao", "recognised", 5, 5, 4)])
    html = page(client, as_of="2025-06-30")

    phase = html[html.index('data-phase="2026–2030"'):]
    assert 'data-state="not_started"' in html
    assert '<span class="pace pace-not_started">chưa bắt đầu</span>' in phase
    assert "đúng tiến độ" not in phase[: phase.index("</section>")]
    assert 'class="expected-mark"' not in phase[: phase.index("</section>")]


def test_an_ended_phase_says_whether_each_target_was_met(client, db):
    make_recognition(stars=4, decision_date=D(2020, 3, 3))
    phase = page(client, as_of="2021-06-30")
    phase = phase[phase.index('data-phase="2018–2020"'):]
    phase = phase[: phase.index("</section>")]
    assert '<span class="pace pace-missed">không đạt chỉ tiêu</span>' in phase
    assert "đúng tiến độ" not in phase and "chậm tiến độ" not in phase


def test_star_ranges_are_written_5_star_when_the_bounds_are_equal(client, db):
    html = page(client, as_of="2022-06-30")
    assert ", 5★</small>" in html
    assert ", 3–4★</small>" in html
    assert "5–5" not in html


def test_no_stray_disclosure_control_above_the_counting_rule(client, db):
    html = page(client)
    assert "<summary><h2" not in html
    assert re.search(r'<section class="panel rule"[^>]*>\s*<h2 id="rule-title">Cách tính số liệu</h2>', html)


def test_the_as_of_box_is_a_text_box_showing_day_month_year(client, db):
    html = page(client)
    today = timezone.localdate().strftime("%d/%m/%Y")
    field = re.search(r'<input [^>]*name="as_of"[^>]*>', html).group(0)
    assert 'type="text"' in field and f'value="{today}"' in field
    assert 'aria-describedby="id_as_of_helptext"' in field
    assert "Dạng ngày/tháng/năm, ví dụ 30/06/2020." in html


@pytest.mark.parametrize("value", ["30/06/2020", "2020-06-30", " 30/06/2020 "])
def test_day_month_year_and_old_iso_links_give_the_same_page(client, db, value):
    make_recognition(stars=3, decision_date=D(2020, 6, 12))
    html = page(client, as_of=value)
    assert "Số liệu tính đến hết ngày <strong>30/06/2020</strong>" in html
    assert 'value="30/06/2020"' in html  # an old ISO link is shown as the reader writes dates
    assert 'data-achieved="1" data-target="53"' in html
    assert "errorlist" not in html


@pytest.mark.parametrize(
    "value, message",
    [
        ("zzz", "Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 30/06/2020."),
        ("06/30/2020", "Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 30/06/2020."),
        ("31/12/1899", "Ngày phải nằm trong khoảng năm 1900 đến năm 2999."),
    ],
)
def test_bad_input_gets_a_vietnamese_message_on_the_field_and_todays_figures(client, db, value, message):
    html = page(client, as_of=value)
    assert message in html
    field = re.search(r'<input [^>]*name="as_of"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and f'value="{value.strip()}"' in field
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Số liệu tính đến hết ngày <strong>{today}</strong>" in html


def test_the_page_links_the_same_figures_in_the_open_data_api(client, db):
    html = page(client, as_of="30/06/2020")
    assert f'href="{reverse("api_progress")}?as_of=2020-06-30"' in html


# --- Navigation ------------------------------------------------------------------------------------------------


def nav(html):
    return html[html.index('<ul class="nav">'): html.index("</ul>", html.index('<ul class="nav">'))]


def test_the_public_header_links_tien_do_to_the_progress_page_and_hides_the_dashboard(client, db):
    links = nav(client.get("/").content.decode())
    assert '<a href="/tien-do/">Tiến độ</a>' in links
    assert "/bang-dieu-khien/" not in links


def test_officials_with_the_dashboard_permission_also_see_the_dashboard_link(client, official):
    client.force_login(official)
    links = nav(client.get(URL).content.decode())
    assert '<a href="/tien-do/">Tiến độ</a>' in links
    assert '<a href="/bang-dieu-khien/">Bảng điều khiển</a>' in links


def test_staff_without_the_permission_see_no_dashboard_link(client, db):
    client.force_login(User.objects.create_user("khach", password="x"))
    assert "/bang-dieu-khien/" not in nav(client.get(URL).content.decode())


def test_the_dashboard_stays_behind_its_permission(client, db):
    response = client.get("/bang-dieu-khien/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


# --- Cost, caching and files -------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_products_phases_and_targets(client, db, django_assert_max_num_queries):
    make_recognition(stars=3, decision_date=D(2020, 1, 1))
    # phases and targets (2), the data fingerprint (3), the phase tallies (1), the standing (1), the demo banner's
    # check (1)
    with django_assert_max_num_queries(8) as captured:
        page(client, as_of="2026-06-30")
    baseline = len(captured)
    for year in range(2019, 2026):
        make_recognition(stars=3 + year % 2, decision_date=D(year, 12, 23))
    make_phase(targets=[("A", "recognised", 3, 4, 10), ("B", "proposed_national", 5, 5, 1)])
    make_phase(name="2031–2035", start=D(2031, 1, 1), end=D(2035, 12, 31), targets=[("C", "recognised", 3, 5, 9)])
    with django_assert_max_num_queries(baseline) as captured:
        html = page(client, as_of="2026-06-30")
    assert html.count('class="chart chart-progress"') == 4


def test_an_anonymous_visit_is_served_from_the_public_cache_the_second_time(client, db, settings):
    settings.PUBLIC_CACHE = True
    make_recognition(stars=3, decision_date=D(2020, 1, 1))
    first = client.get(URL, {"as_of": "30/06/2020"})
    assert first.status_code == 200 and first["Cache-Control"].startswith("public")
    assert not first.cookies
    with CaptureQueriesContext(connection) as queries:
        second = client.get(URL, {"as_of": "30/06/2020"})
    assert second.status_code == 200 and len(queries) == 0 and second.templates == []
    assert second.content == first.content


def test_every_static_file_the_page_references_exists(client, db):
    html = page(client)
    paths = re.findall(r'(?:href|src)="/static/([^"?]+)', html)
    assert "css/dashboard.css" in paths
    for path in paths:
        assert finders.find(path), path


def test_the_page_carries_no_inline_script_or_style(client, db):
    """The CSP forbids them: the charts' widths are SVG attributes, never style="width: …"."""
    from tests.test_headers import inline_code

    make_recognition(stars=3, decision_date=D(2020, 1, 1))
    assert inline_code(page(client, as_of="30/06/2020")) == []
