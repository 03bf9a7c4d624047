"""An official opens the dashboard, changes the as-of date and sees the chart change."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User

from tests.factories import make_recognition


@pytest.mark.django_db(transaction=True)
def test_official_changes_the_date_and_the_chart_follows(live_server, page, registry_data, client):
    make_recognition(stars=4, decision_date=datetime.date(2019, 12, 23))
    make_recognition(stars=3, decision_date=datetime.date(2020, 6, 12))
    user = User.objects.create_user("van-phong", password="mat-khau-thu-nghiem")
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations"))
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])

    page.goto(f"{live_server.url}/bang-dieu-khien/?as_of=2020-06-30")
    bar = page.locator('svg.chart-progress[data-phase="2018–2020"] g.target').first
    assert bar.get_attribute("data-achieved") == "2"

    page.fill("#id_as_of", "2020-01-31")
    page.click("#as-of-form button[type=submit]")
    page.wait_for_url("**as_of=2020-01-31**")
    assert "31/01/2020" in page.locator("#as-of-text").inner_text()
    bar = page.locator('svg.chart-progress[data-phase="2018–2020"] g.target').first
    assert bar.get_attribute("data-achieved") == "1"
    assert bar.locator("rect.bar-fill").get_attribute("width") != "0"
    # The bar is really drawn: its width is a plain number (never "128,3"), wider than nothing.
    assert bar.locator("rect.bar-fill").bounding_box()["width"] > 0

    # On a 360 px phone the page never scrolls sideways, even with the whole demo story on it: wide
    # tables (targets, the expiring list) scroll inside their panel.
    from evaluations.demo import demo_load

    demo_load()
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/bang-dieu-khien/?as_of=2026-11-28")
    assert page.locator("table.expiring tbody tr").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
