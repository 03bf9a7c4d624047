"""Steps a data-entry officer takes in the admin, shared by the browser tests."""

from playwright.sync_api import expect


def sign_in_as(page, live_server, client, user):
    """The browser signed in as ``user`` (the test client's session, handed to the page)."""
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def enter_provincial_scores(page):
    """Fill the evaluation form with a provincial evaluation of 30 + 20 + 25 points; the live total
    (static/js/evaluation_total.js, its rules from a JSON data block) follows: 75 points, 4 stars. The read-only
    "total" and "stars" rows say the same, marked unsaved, never "-" beside it."""
    page.fill("#id_evaluated_on", "01/05/2024")
    page.select_option("#id_level", "province")
    page.fill("#id_score_a", "30")
    page.fill("#id_score_b", "20")
    page.fill("#id_score_c", "25")
    expect(page.locator("#evaluation-live-total")).to_contain_text("75")
    expect(page.locator("#evaluation-live-total")).to_contain_text("4 sao")
    expect(page.locator(".field-total .readonly")).to_have_text("75 (tạm tính, chưa lưu)")
    expect(page.locator(".field-stars .readonly")).to_have_text("4 (tạm tính, chưa lưu)")
