"""The site under its Content-Security-Policy in a real browser (Debian's chromium): the public pages and
the admin, the evaluation form's live total included, run with zero violations.

A violation is heard three ways: the ``securitypolicyviolation`` DOM event (collected by a script that
Playwright installs outside the page's policy), the console's "Refused to …" errors, and uncaught page
errors (a blocked script that other code relies on).
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.admin_steps import enter_provincial_scores
from tests.factories import make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
                              e.sourceFile + ":" + e.lineNumber + " " + (e.sample || ""));
});
"""


class Violations:
    """Everything the browser refused on the pages visited with ``page``."""

    def __init__(self, page):
        self.page = page
        self.console = []
        self.errors = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message):
        text = message.text
        if message.type in ("error", "warning") and ("Content Security Policy" in text or "Refused to" in text):
            self.console.append(text)

    def visit(self, url):
        response = self.page.goto(url)
        assert response.status == 200, url
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'none'" in policy and "script-src 'self';" in policy + ";", url
        self.page.wait_for_load_state("networkidle")
        return response

    def seen(self):
        self.page.wait_for_timeout(100)  # violation events are dispatched asynchronously
        events = self.page.evaluate("window.__cspViolations || []")
        return {"events": events, "console": self.console, "errors": self.errors}


NONE = {"events": [], "console": [], "errors": []}


@pytest.fixture
def catalogue(registry_data):
    today = timezone.localdate()
    fish_sauce = make_product(name="Nước mắm Lê Gia", producer=make_producer(name="Công ty TNHH Lê Gia"))
    make_recognition(fish_sauce, stars=4, decision_date=today - datetime.timedelta(days=120))
    make_recognition(stars=3, decision_date=datetime.date(2019, 12, 23))
    return fish_sauce


@pytest.fixture
def official(registry_data):
    """A data-entry officer who may also read the dashboard."""
    user = get_user_model().objects.create_user("nhaplieu", password="mat-khau-thu", is_staff=True)
    user.groups.add(Group.objects.get(name="Cán bộ nhập liệu"))
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations"))
    return user


def test_the_violation_listener_hears_a_blocked_inline_script(live_server, page, catalogue):
    violations = Violations(page)
    violations.visit(live_server.url + "/")

    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.appendChild(script);
    }""")

    seen = violations.seen()
    assert page.evaluate("window.inlineRan === undefined")
    assert any(e.startswith("script-src") for e in seen["events"]), seen
    assert seen["console"], seen


def test_public_pages_run_under_the_policy_without_a_violation(live_server, page, catalogue):
    violations = Violations(page)
    product = catalogue
    for path in [
        "/",
        "/san-pham/?q=nuoc+mam",
        product.get_absolute_url(),
        f"{product.get_absolute_url()}giay-chung-nhan/",
        product.producer.get_absolute_url(),
        "/xa-phuong/",
        product.commune.get_absolute_url(),
        "/huong-dan/",
    ]:
        violations.visit(live_server.url + path)
        assert violations.seen() == NONE, path

    # The commune map is drawn (an inline SVG styled by the stylesheet, not by style attributes).
    violations.visit(live_server.url + "/xa-phuong/")
    assert page.locator("svg.commune-map circle").count() > 0

    # The language switch is a plain link: following it sets the language without a form.
    page.click(".lang-switch a")
    page.wait_for_url(live_server.url + "/xa-phuong/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert violations.seen() == NONE


def test_the_admin_and_the_dashboard_run_under_the_policy_without_a_violation(
    live_server, page, catalogue, official
):
    violations = Violations(page)

    violations.visit(f"{live_server.url}/admin/login/?next=/admin/evaluations/evaluation/")
    assert violations.seen() == NONE, "login page"
    page.fill("#id_username", "nhaplieu")
    page.fill("#id_password", "mat-khau-thu")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/evaluations/evaluation/")
    assert violations.seen() == NONE, "changelist"

    violations.visit(f"{live_server.url}/admin/evaluations/evaluation/add/")
    # The admin's own scripts run: the autocomplete box opens and searches.
    page.click("#id_product + .select2 .select2-selection")
    page.fill(".select2-search__field", "nuoc mam")
    expect(page.locator(".select2-results__option", has_text="Nước mắm Lê Gia")).to_be_visible()
    page.keyboard.press("Escape")
    enter_provincial_scores(page)  # the live total runs its script under the policy
    page.fill("#id_score_c", "5")
    expect(page.locator("#evaluation-live-total")).to_contain_text("55")
    assert violations.seen() == NONE, "evaluation form"

    violations.visit(f"{live_server.url}/bang-dieu-khien/")
    assert page.locator("svg.chart").count() > 0
    assert violations.seen() == NONE, "dashboard"
