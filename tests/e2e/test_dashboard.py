"""An official opens the dashboard, changes the as-of date and sees the chart change; it reads well on a phone."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User

from tests.e2e.test_progress_page import LAPTOP, PHONE, assert_reads_well
from tests.factories import make_recognition


def sign_in_official(page, live_server, client):
    user = User.objects.create_user("van-phong", password="mat-khau-thu-nghiem")
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations"))
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.django_db(transaction=True)
def test_official_changes_the_date_and_the_chart_follows(live_server, page, registry_data, client):
    make_recognition(stars=4, decision_date=datetime.date(2019, 12, 23))
    make_recognition(stars=3, decision_date=datetime.date(2020, 6, 12))
    sign_in_official(page, live_server, client)

    page.goto(f"{live_server.url}/bang-dieu-khien/?as_of=2020-06-30")  # an old link, in ISO form
    assert page.input_value("#id_as_of") == "30/06/2020"
    bar = page.locator('.chart-progress[data-phase="2018–2020"] .target').first
    assert bar.get_attribute("data-achieved") == "2"

    page.fill("#id_as_of", "31/01/2020")
    page.click("#as-of-form button[type=submit]")
    page.wait_for_url("**as_of=31%2F01%2F2020**")
    assert "31/01/2020" in page.locator("#as-of-text").inner_text()
    assert page.input_value("#id_as_of") == "31/01/2020"
    bar = page.locator('.chart-progress[data-phase="2018–2020"] .target').first
    assert bar.get_attribute("data-achieved") == "1"
    # The bar is really drawn: its width is a plain percentage (never "1,9%"), wider than nothing.
    assert bar.locator("rect.bar-fill").get_attribute("width") == "1.9%"
    assert bar.locator("rect.bar-fill").bounding_box()["width"] > 0

    # Signed in with the permission, the header links both the public page and the dashboard.
    nav = page.get_by_role("navigation")
    assert nav.get_by_role("link", name="Tiến độ").get_attribute("href") == "/tien-do/"
    assert nav.get_by_role("link", name="Bảng điều khiển").get_attribute("href") == "/bang-dieu-khien/"


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_reads_well_on_phones_and_a_laptop(live_server, page, registry_data, client):
    """With the whole demo story on it: the targets and the expiring list are cards on a phone."""
    from evaluations.demo import demo_load

    demo_load()
    sign_in_official(page, live_server, client)
    for width in (360, PHONE, 414, LAPTOP):
        assert_reads_well(page, f"{live_server.url}/bang-dieu-khien/?as_of=28/11/2026", width)
        rows = page.locator("table.expiring tbody tr")
        assert rows.count() > 0
        contact = rows.first.locator("td").last.bounding_box()
        assert contact["x"] + contact["width"] <= width
