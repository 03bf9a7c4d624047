"""Security headers and cookies (issue 8, acceptance 6): the Content-Security-Policy of every part of the
site, no cookie for an anonymous visitor of the public pages, the production cookies, and the grade of the
headers by the MDN HTTP Observatory's published rules (tests/observatory.py) — through Django's test
client with production settings, and against gunicorn with DEBUG off behind a TLS-terminating proxy."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from pytest_django.asserts import assertRedirects

from tests import observatory
from tests.factories import make_recognition
from tests.server import fetch

ONE_YEAR = 31_536_000

POLICY = {
    "default-src": {"'none'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "frame-ancestors": {"'none'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
}


@pytest.fixture
def production_settings(settings):
    """What .env.example sets in production: secure __Host- cookies and a year of HSTS (with preload)."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.LANGUAGE_COOKIE_NAME = "__Host-lang"
    settings.SECURE_HSTS_SECONDS = ONE_YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return settings


@pytest.fixture
def product(db):
    """A recognised product: its page shows the certificate card with the QR code, the stars and badges."""
    return make_recognition(stars=4, decision_date=timezone.localdate() - datetime.timedelta(days=30)).product


def public_pages(product):
    return {
        "home": "/",
        "list": "/san-pham/",
        "product": product.get_absolute_url(),
        "certificate": f"{product.get_absolute_url()}giay-chung-nhan/",
        "producer": product.producer.get_absolute_url(),
        "communes": "/xa-phuong/",
        "commune": product.commune.get_absolute_url(),
        "help": "/huong-dan/",
        "api": "/api/v1/products/",
        "api-product": f"/api/v1/products/{product.slug}/",
    }


def policy_of(response) -> dict:
    return observatory.parse_policy([response["Content-Security-Policy"]])


@pytest.fixture
def dashboard_official(db, client):
    user = get_user_model().objects.create_user("van-phong", password="mat-khau-thu-nghiem")
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations"))
    client.force_login(user)
    return user


@pytest.fixture
def data_entry_clerk(db, client):
    clerk = get_user_model().objects.create_user("nhaplieu", password="mat-khau-thu", is_staff=True)
    clerk.groups.add(Group.objects.get(name="Cán bộ nhập liệu"))
    clerk.user_permissions.add(Permission.objects.get(codename="import_register"))
    client.force_login(clerk)
    return clerk


# The policy ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_public_pages_allow_nothing_inline_and_nothing_from_elsewhere(client, product):
    for name, url in public_pages(product).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert {d: v for d, v in policy_of(response).items() if d in POLICY} == POLICY, name


@pytest.mark.django_db
def test_the_dashboard_has_the_public_policy(client, dashboard_official, product):
    response = client.get("/bang-dieu-khien/")

    assert response.status_code == 200
    assert {d: v for d, v in policy_of(response).items() if d in POLICY} == POLICY


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/login/", "/admin/evaluations/evaluation/add/",
                                 "/admin/evaluations/evaluation/"])
def test_the_admin_allows_inline_styles_but_never_inline_scripts(client, data_entry_clerk, url):
    policy = policy_of(client.get(url))

    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["script-src"] == {"'self'"}
    assert {d: v for d, v in policy.items() if d in POLICY and d != "style-src"} == {
        d: v for d, v in POLICY.items() if d != "style-src"}


@pytest.mark.django_db
def test_pages_and_api_answers_are_not_loadable_by_other_sites(client, product):
    for url in ["/", product.get_absolute_url(), "/api/v1/products/", "/admin/login/"]:
        assert client.get(url)["Cross-Origin-Resource-Policy"] == "same-origin", url


# The markup the policy has to hold ----------------------------------------------------------------

class InlineCode(HTMLParser):
    """Everything a strict policy blocks: <style>, inline <script> (JSON data blocks are data, not code),
    style="" attributes, on…= event handlers and javascript: URLs."""

    DATA_TYPES = {"application/json", "application/ld+json"}

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not attrs.get("src") and (attrs.get("type") or "").lower() not in self.DATA_TYPES:
            self.found.append(f"inline <script {attrs}>")
        for name, value in attrs.items():
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")

    handle_startendtag = handle_starttag


def inline_code(html: str, *, styles: bool = True) -> list:
    parser = InlineCode()
    parser.feed(html)
    return [f for f in parser.found if styles or not (f == "<style>" or " style=" in f)]


def test_the_markup_check_finds_each_kind_of_inline_code():
    html = """<style>p{}</style><p style="color:red">x</p><script>alert(1)</script>
        <button onclick="go()">b</button><a href="javascript:go()">a</a><svg><rect style="fill:red"/></svg>
        <script type="application/json" id="d">{}</script><script src="/static/js/x.js"></script>"""

    assert len(inline_code(html)) == 6
    assert len(inline_code(html, styles=False)) == 3


@pytest.mark.django_db
def test_public_pages_carry_no_inline_script_style_or_event_handler(client, product):
    for name, url in public_pages(product).items():
        if name.startswith("api"):
            continue
        html = client.get(url).content.decode()
        assert inline_code(html) == [], name


@pytest.mark.django_db
def test_the_dashboard_and_its_svg_charts_carry_no_inline_style(client, dashboard_official):
    from evaluations.demo import demo_load

    demo_load()
    html = client.get("/bang-dieu-khien/?as_of=2026-11-28").content.decode()

    assert html.count("<svg") >= 3  # the progress, stars and years charts are drawn
    assert inline_code(html) == []


@pytest.mark.django_db
def test_the_commune_map_is_drawn_without_inline_style(client, product):
    html = client.get("/xa-phuong/").content.decode()

    assert 'class="commune-map"' in html and "<circle" in html
    assert inline_code(html) == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/evaluations/evaluation/add/", "/admin/evaluations/evaluation/",
                                 "/admin/evaluations/evaluation/import/", "/admin/"])
def test_admin_pages_carry_no_inline_script_or_event_handler(client, data_entry_clerk, url):
    response = client.get(url)

    assert response.status_code == 200
    assert inline_code(response.content.decode(), styles=False) == []


@pytest.mark.django_db
def test_the_registrys_own_admin_templates_carry_no_inline_style_either(client, data_entry_clerk, product):
    from evaluations.models import Evaluation

    evaluation = Evaluation.objects.filter(product=product).first()
    for url in ["/admin/evaluations/evaluation/add/", "/admin/evaluations/evaluation/import/",
                f"/admin/evaluations/evaluation/{evaluation.pk}/history/"]:
        html = client.get(url).content.decode()
        assert "<style>" not in html, url
        assert "css/admin.css" in html, url


# Cookies ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_public_pages_set_no_cookie_for_an_anonymous_visitor(client, production_settings, product):
    pages = {**public_pages(product), "robots": "/robots.txt", "sitemap": "/sitemap.xml",
             "csv": "/san-pham/du-lieu.csv"}
    for name, url in pages.items():
        response = client.get(url, secure=True)
        assert response.status_code == 200, name
        assert not response.cookies and not response.has_header("Set-Cookie"), (name, response.cookies)


@pytest.mark.django_db
def test_the_dashboard_sends_an_anonymous_visitor_to_log_in_without_a_cookie(client, production_settings):
    response = client.get("/bang-dieu-khien/", secure=True)

    assertRedirects(response, "/admin/login/?next=/bang-dieu-khien/", fetch_redirect_response=False)
    assert not response.cookies and not response.has_header("Set-Cookie"), response.cookies


@pytest.mark.django_db
def test_a_visitor_who_chose_english_gets_no_further_cookie(client, production_settings, product):
    client.get("/ngon-ngu/en/?next=/", secure=True)
    assert client.cookies["__Host-lang"].value == "en"

    for name, url in public_pages(product).items():
        response = client.get(url, secure=True)
        assert not response.cookies, name


@pytest.mark.django_db
def test_production_cookies_are_host_prefixed_secure_and_lax(client, production_settings):
    get_user_model().objects.create_user("nhaplieu", password="mat-khau-thu", is_staff=True)
    client.enforce_csrf_checks = True

    csrf = client.get("/admin/login/", secure=True).cookies["__Host-csrftoken"]
    login = client.post("/admin/login/?next=/admin/", {
        "username": "nhaplieu", "password": "mat-khau-thu", "csrfmiddlewaretoken": csrf.value,
    }, secure=True, headers={"referer": "https://testserver/admin/login/"})
    session = login.cookies["__Host-sessionid"]
    language = client.get("/ngon-ngu/en/", secure=True).cookies["__Host-lang"]

    assert login.status_code == 302
    for cookie in (csrf, session, language):
        # __Host-: Secure, Path=/ and no Domain, or browsers refuse it.
        assert cookie["secure"] is True and cookie["path"] == "/" and not cookie["domain"], cookie.key
        assert cookie["samesite"] == "Lax", cookie.key
    assert session["httponly"] is True and language["httponly"] is True


# The Observatory grade ------------------------------------------------------------------------------

def grade_of(response, url):
    return observatory.grade(observatory.Response.from_django(response, f"https://testserver{url}"))


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/", "/san-pham/", "product", "/admin/login/", "/api/v1/products/"])
def test_headers_grade_a_plus_by_the_observatory_rules(client, production_settings, product, page):
    url = product.get_absolute_url() if page == "product" else page
    response = client.get(url, secure=True)

    assert response["Strict-Transport-Security"] == f"max-age={ONE_YEAR}; includeSubDomains; preload"
    grade = grade_of(response, url)
    assert grade.score >= 110 and grade.grade == "A+", str(grade)
    assert grade.results["content-security-policy"] == (
        "csp-implemented-with-unsafe-inline-in-style-src-only" if url.startswith("/admin/")
        else "csp-implemented-with-no-unsafe-default-src-none"
    )


@pytest.mark.django_db
def test_without_its_policy_the_home_page_grades_b_75_as_the_issue_reported(client, production_settings, product):
    response = client.get("/", secure=True)
    del response["Content-Security-Policy"]

    grade = grade_of(response, "/")

    assert (grade.score, grade.grade) == (75, "B"), str(grade)
    assert grade.results["content-security-policy"] == "csp-not-implemented"


def graded(headers, url="https://example.vn/", body=b"<!doctype html><p>x</p>"):
    return observatory.grade(observatory.Response(url, 200, headers, body))


GOOD = [
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; frame-ancestors 'none'"),
    ("Strict-Transport-Security", f"max-age={ONE_YEAR}"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Content-Type", "text/html; charset=utf-8"),
]


@pytest.mark.parametrize(("change", "test", "result", "score"), [
    ({}, "content-security-policy", "csp-implemented-with-no-unsafe-default-src-none", 120),
    ({"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"},
     "content-security-policy", "csp-implemented-with-no-unsafe", 115),
    ({"Content-Security-Policy": "default-src 'none'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"},
     "content-security-policy", "csp-implemented-with-unsafe-inline", 80),
    ({"Content-Security-Policy": "default-src 'none'; script-src 'self' 'nonce-abc' 'unsafe-inline'; "
                                 "frame-ancestors 'none'"},
     "content-security-policy", "csp-implemented-with-no-unsafe-default-src-none", 120),
    ({"Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"},
     "content-security-policy", "csp-implemented-with-unsafe-inline-in-style-src-only", 110),
    ({"Content-Security-Policy": "default-src 'none'; script-src 'self' 'unsafe-eval'; frame-ancestors 'none'"},
     "content-security-policy", "csp-implemented-with-unsafe-eval", 90 + 10),
    ({"Content-Security-Policy": "default-src 'none'; img-src http:; frame-ancestors 'none'"},
     "content-security-policy", "csp-implemented-with-insecure-scheme-in-passive-content-only", 90 + 10),
    ({"Content-Security-Policy": "default-src 'none'; script-src 'self'; script-src *"},
     "content-security-policy", "csp-header-invalid", 55),
    ({"Strict-Transport-Security": "max-age=86400"},
     "strict-transport-security", "hsts-implemented-max-age-less-than-six-months", 90 + 20),
    ({"Strict-Transport-Security": None}, "strict-transport-security", "hsts-not-implemented", 80),
    ({"X-Content-Type-Options": None}, "x-content-type-options", "x-content-type-options-not-implemented", 95 + 20),
    ({"Referrer-Policy": "unsafe-url"}, "referrer-policy", "referrer-policy-unsafe", 95 + 15),
    ({"Set-Cookie": "sessionid=1; Path=/; SameSite=Lax; Secure"},
     "cookies", "cookies-session-without-httponly-flag", 70),
    ({"Set-Cookie": "csrftoken=1; Path=/; Secure"}, "cookies", "cookies-anticsrf-without-samesite-flag", 80),
    ({"Set-Cookie": "lang=en; Path=/; SameSite=Lax"},
     "cookies", "cookies-without-secure-flag-but-protected-by-hsts", 95 + 20),
    ({"Set-Cookie": "__Host-sessionid=1; Path=/; SameSite=Lax; Secure; HttpOnly"},
     "cookies", "cookies-secure-with-httponly-sessions-and-samesite", 125),
    ({"Cross-Origin-Resource-Policy": "same-origin"}, "cross-origin-resource-policy",
     "corp-implemented-with-same-origin", 130),
    ({"Access-Control-Allow-Origin": "*"}, "cross-origin-resource-sharing",
     "cross-origin-resource-sharing-implemented-with-public-access", 120),
])
def test_the_grader_applies_the_published_modifiers(change, test, result, score):
    headers = [(name, value) for name, value in GOOD if name not in change]
    headers += [(name, value) for name, value in change.items() if value is not None]

    grade = graded(headers)

    assert grade.results[test] == result
    assert grade.score == score, str(grade)


def test_the_grader_penalises_external_scripts_without_integrity():
    page = b'<!doctype html><script src="https://cdn.example.com/x.js"></script>'
    with_sri = b'<script src="https://cdn.example.com/x.js" integrity="sha384-abc" crossorigin></script>'
    over_http = b'<script src="http://cdn.example.com/x.js"></script>'

    assert graded(GOOD, body=page).results["subresource-integrity"] == (
        "sri-not-implemented-but-external-scripts-loaded-securely")
    assert graded(GOOD, body=with_sri).results["subresource-integrity"] == (
        "sri-implemented-and-external-scripts-loaded-securely")
    assert graded(GOOD, body=over_http).score == 100 - 50  # below 90: no bonus


def test_the_grader_refuses_what_the_observatory_refuses():
    with pytest.raises(ValueError):
        observatory.grade(observatory.Response("https://example.vn/", 404, GOOD))
    assert graded(GOOD, url="http://example.vn/").results["strict-transport-security"] == (
        "hsts-not-implemented-no-https")


# The same, from gunicorn with DEBUG off behind a TLS-terminating proxy ----------------------------------------

@pytest.fixture(scope="module")
def server_behind_tls_proxy(production_site):
    with production_site.serve(
        DJANGO_SECURE_COOKIES="1",
        DJANGO_SECURE_HSTS_SECONDS=str(ONE_YEAR),
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        DJANGO_SECURE_HSTS_PRELOAD="1",
        DJANGO_BEHIND_PROXY="1",
    ) as base_url:
        yield base_url


def first_product_url(base_url):
    _status, _headers, body = fetch(base_url + "/san-pham/")
    return re.search(r'href="(/san-pham/[^/"?]+/)"', body.decode()).group(1)


def test_the_production_server_grades_a_plus_behind_tls(server_behind_tls_proxy):
    base = server_behind_tls_proxy
    proxied = {"X-Forwarded-Proto": "https"}
    for path in ["/", "/san-pham/", first_product_url(base), "/admin/login/", "/api/v1/products/"]:
        status, headers, body = fetch(base + path, headers=proxied)
        assert status == 200, path
        assert headers["Strict-Transport-Security"] == f"max-age={ONE_YEAR}; includeSubDomains; preload", path
        if not path.startswith("/admin/"):
            assert headers.get_all("Set-Cookie") is None, path
        else:
            for cookie in headers.get_all("Set-Cookie"):
                attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
                assert cookie.startswith("__Host-") and {"secure", "path", "samesite"} <= attributes, cookie
                assert "domain" not in attributes and "samesite=lax" in cookie.lower(), cookie
        grade = observatory.grade(observatory.Response.from_urllib("https://registry.example" + path, status,
                                                                   headers, body))
        assert grade.score >= 110 and grade.grade == "A+", f"{path}: {grade}"
