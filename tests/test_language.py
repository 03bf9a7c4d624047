"""The header's language switch (ocop_registry/language.py): a link that sets the language cookie and goes
back to the page, never to another site."""

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_the_header_links_to_english_from_the_page_being_read(client):
    html = client.get("/san-pham/", {"q": "mắm", "page": "2"}).content.decode()

    # The whole address of the page, query included, as one percent-encoded parameter.
    assert 'href="/ngon-ngu/en/?next=/san-pham/%3Fq%3Dm%25E1%25BA%25AFm%26page%3D2"' in html
    assert "<form" not in html.split("</header>")[0]


@pytest.mark.django_db
def test_following_the_link_shows_the_same_page_in_english(client):
    response = client.get("/ngon-ngu/en/", {"next": "/san-pham/?q=mam"}, follow=True)

    assert response.redirect_chain == [("/san-pham/?q=mam", 302)]
    page = response.content.decode()
    assert '<html lang="en"' in page and "OCOP product catalogue" in page
    assert 'href="/ngon-ngu/vi/?next=/san-pham/%3Fq%3Dmam"' in page and ">Tiếng Việt</a>" in page


@pytest.mark.django_db
def test_switching_back_to_vietnamese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/ngon-ngu/vi/", {"next": "/"}, follow=True)

    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    assert '<html lang="vi"' in response.content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                      "javascript:alert(1)", ""])
def test_the_switch_never_sends_the_visitor_to_another_site(client, next_url):
    response = client.get("/ngon-ngu/en/", {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_an_https_page_is_never_sent_back_over_http(client):
    response = client.get("/ngon-ngu/en/", {"next": "http://testserver/san-pham/"}, secure=True)

    assert response["Location"] == "/"


def test_a_full_url_of_this_site_is_followed(client):
    response = client.get("/ngon-ngu/en/", {"next": "https://testserver/san-pham/"}, secure=True)

    assert response["Location"] == "https://testserver/san-pham/"


def test_an_unknown_language_is_not_found_and_sets_nothing(client):
    response = client.get("/ngon-ngu/fr/", {"next": "/"})

    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switch_is_a_link_only_and_never_cached(client):
    assert client.post("/ngon-ngu/en/", {"next": "/"}).status_code == 405
    response = client.get("/ngon-ngu/en/", {"next": "/"})
    assert "no-store" in response["Cache-Control"]


def test_crawlers_are_asked_not_to_follow_the_switch(client, db):
    assert "Disallow: /ngon-ngu/" in client.get("/robots.txt").content.decode()
