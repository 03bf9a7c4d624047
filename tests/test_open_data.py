"""Open data for people (issue 11, acceptance 7): /api/v1/ lists the endpoints, /api/v1/docs/ shows the OpenAPI
schema with Swagger UI served from this site (no CDN, within the Content-Security-Policy, with DEBUG off through
WhiteNoise), and /api/v1/schema/ is readable in a browser (YAML as text, ?format=json as JSON)."""

import datetime
import json
import re

import pytest
import yaml
from django.utils import timezone

from tests.factories import make_recognition
from tests.server import fetch
from tests.test_headers import POLICY, inline_code, policy_of

ENDPOINTS = {"products", "product", "progress", "schema", "docs"}


@pytest.fixture
def product(db):
    return make_recognition(stars=4, decision_date=timezone.localdate() - datetime.timedelta(days=30)).product


# /api/v1/ ----------------------------------------------------------------------------------------------------


def test_the_api_root_lists_every_endpoint_with_its_address(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get("/api/v1/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "products": "http://testserver/api/v1/products/",
        "product": "http://testserver/api/v1/products/{slug}/",
        "progress": "http://testserver/api/v1/progress/",
        "schema": "http://testserver/api/v1/schema/",
        "docs": "http://testserver/api/v1/docs/",
    }


def test_every_address_the_root_lists_answers(client, product):
    index = client.get("/api/v1/").json()
    for name, url in index.items():
        url = url.replace("{slug}", product.slug).removeprefix("http://testserver")
        assert client.get(url).status_code == 200, name


# /api/v1/docs/ -----------------------------------------------------------------------------------------------


def test_the_docs_page_loads_swagger_ui_from_this_site_only(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # at most the demo-banner check (products.context_processors)
        response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div id="swagger-ui" data-schema-url="/api/v1/schema/?format=json"></div>' in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert scripts == ["/static/swagger-ui/swagger-ui-bundle.js", "/static/js/api-docs.js"]
    assert "/static/swagger-ui/swagger-ui.css" in stylesheets
    assert all(url.startswith("/static/") for url in scripts + stylesheets)
    assert inline_code(html) == []
    assert {d: v for d, v in policy_of(response).items() if d in POLICY} == POLICY


def test_the_docs_page_links_the_schema_in_json_and_yaml_for_readers_without_javascript(client, db):
    html = client.get("/api/v1/docs/").content.decode()

    assert 'href="/api/v1/schema/?format=json"' in html
    assert 'href="/api/v1/schema/"' in html
    assert 'href="/api/v1/"' in html
    assert "<noscript>" in html


def test_the_footer_links_the_api_docs(client, db):
    assert 'href="/api/v1/docs/"' in client.get("/").content.decode()


# /api/v1/schema/ ---------------------------------------------------------------------------------------------


def test_a_browser_gets_the_schema_as_readable_yaml_text(client, db):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline")
    schema = yaml.safe_load(response.content)
    assert "/api/v1/products/" in schema["paths"]


def test_format_json_gives_the_schema_as_plain_json(client, db):
    response = client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "/api/v1/progress/" in json.loads(response.content)["paths"]


@pytest.mark.parametrize("accept, content_type", [
    ("application/vnd.oai.openapi", "application/vnd.oai.openapi"),
    ("application/yaml", "application/yaml"),
    ("application/vnd.oai.openapi+json", "application/vnd.oai.openapi+json"),
    ("application/json", "application/json"),
])
def test_programs_still_get_the_schema_type_they_ask_for(client, db, accept, content_type):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type


def test_the_schema_documents_the_demo_flag(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    assert "is_demo" in components["Product"]["required"]
    assert components["Product"]["properties"]["is_demo"]["type"] == "boolean"
    assert components["ProducerRef"]["properties"]["is_demo"]["type"] == "boolean"


# With DEBUG off: collected static files, served by WhiteNoise ---------------------------------------------------


def test_with_debug_off_the_docs_and_swagger_ui_files_are_served(production_server):
    status, headers, body = fetch(f"{production_server}/api/v1/docs/")
    assert status == 200
    html = body.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    swagger = [url for url in assets if "/swagger-ui/" in url]
    assert len(swagger) == 2 and all(re.search(r"\.[0-9a-f]{12}\.(js|css)$", url) for url in swagger), swagger
    for url in assets:
        status, headers, body = fetch(f"{production_server}{url}")
        assert status == 200, url
        assert len(body) > 100, url


def test_with_debug_off_the_schema_and_the_index_answer(production_server):
    status, headers, body = fetch(f"{production_server}/api/v1/")
    assert status == 200
    assert set(json.loads(body)) == ENDPOINTS
    status, headers, body = fetch(f"{production_server}/api/v1/schema/?format=json")
    assert status == 200
    assert "/api/v1/products/{slug}/" in json.loads(body)["paths"]
