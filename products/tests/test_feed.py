"""The Atom feed of new recognitions (/san-pham/moi.atom): read back as a feed reader reads it."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

ATOM = {"a": "http://www.w3.org/2005/Atom"}
FEED = reverse("products:feed")


def entries(client, query="", **headers):
    response = client.get(FEED + query, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return feed, [
        {
            "title": e.findtext("a:title", namespaces=ATOM),
            "link": e.find("a:link", ATOM).get("href"),
            "id": e.findtext("a:id", namespaces=ATOM),
            "updated": e.findtext("a:updated", namespaces=ATOM),
            "summary": e.findtext("a:summary", namespaces=ATOM),
        }
        for e in feed.findall("a:entry", ATOM)
    ]


def fresh(product):
    """The product as the database holds it now (its current-recognition columns included)."""
    return type(product).objects.get(pk=product.pk)


def test_the_feed_lists_certificates_in_force_newest_decision_first(client, catalogue):
    feed, found = entries(client)

    in_force = sorted(
        (fresh(catalogue[role]) for role in ("valid3", "valid4", "expiring", "rerated", "proposed")),
        key=lambda p: p.current_decision_date,
        reverse=True,
    )
    assert [e["link"] for e in found] == [f"http://testserver{p.get_absolute_url()}" for p in in_force]
    assert feed.findtext("a:title", namespaces=ATOM) == "Sản phẩm OCOP mới được công nhận — Thanh Hóa"
    first, product = found[0], in_force[0]
    assert first["title"] == f"{product.name} — OCOP {product.current_stars} sao"
    assert product.current_decision_no in first["summary"]
    assert product.current_decision_date.strftime("%d/%m/%Y") in first["summary"]
    assert first["updated"].startswith(product.current_decision_date.isoformat())


def test_each_recognition_decision_is_its_own_entry(client, catalogue):
    """A product recognised again is a new entry for a feed reader: its id names the decision."""
    rerated = fresh(catalogue["rerated"])
    _feed, found = entries(client)

    (entry,) = [e for e in found if e["link"].endswith(rerated.get_absolute_url())]
    assert entry["id"] == f"http://testserver{rerated.get_absolute_url()}#cong-nhan-{rerated.current_recognition_id}"
    assert entry["title"].endswith("OCOP 3 sao")  # the newer decision's stars, not the older 4


@pytest.mark.parametrize(
    ("query", "roles"),
    [
        ("?stars=4", {"valid4", "proposed"}),
        ("?stars=3&q=nuoc+mam", {"valid3"}),
        ("?status=all&stars=4", {"valid4", "proposed", "expired"}),
    ],
)
def test_the_feed_is_filtered_like_the_catalogue(client, catalogue, query, roles):
    _feed, found = entries(client, query)

    assert {e["link"] for e in found} == {f"http://testserver{catalogue[r].get_absolute_url()}" for r in roles}


def test_the_feed_by_legacy_district(client, catalogue):
    district = catalogue["valid3"].legacy_commune.district
    _feed, found = entries(client, f"?district={district.code}")

    assert [e["link"] for e in found] == [f"http://testserver{catalogue['valid3'].get_absolute_url()}"]


@pytest.mark.parametrize("query", ["?stars=9", "?stars=x&district=abc", "?year=20x5&page=-1", "?status=nope"])
def test_malformed_filters_are_ignored_not_errors(client, catalogue, query):
    _feed, found = entries(client, query)

    assert len(found) == 5  # the certificates in force, as without the filter


def test_the_feed_takes_a_constant_number_of_queries(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the summary's stamp, the facet labels are not needed: one list query
        entries(client, "?stars=3&stars=4")


def test_the_feed_in_english(client, catalogue):
    feed, found = entries(client, HTTP_ACCEPT_LANGUAGE="en")

    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert feed.findtext("a:title", namespaces=ATOM) == "Newly recognised OCOP products — Thanh Hóa"
    assert found[0]["title"].endswith("-star OCOP")
    assert "recognised as a" in found[0]["summary"]


def test_the_catalogue_links_to_the_feed_of_its_filters(client, catalogue):
    page = client.get(reverse("products:product_list") + "?stars=4&page=2").content.decode()

    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert f'href="{FEED}?stars=4"' in page
