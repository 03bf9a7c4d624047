"""The catalogue's reads: who is listed, with which stars and certificate, and the headline tallies."""

import datetime

import pytest
from django.utils import timezone

from evaluations import rules
from evaluations.models import Evaluation
from evaluations.rules import CouncilLevel
from evaluations.services import evaluation_propose_national, evaluation_revoke, recognitions_resequence
from products import selectors
from products.models import Producer, ProductGroup
from tests.factories import legacy_commune, make_evaluation, make_producer, make_product, make_recognition


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def build_catalogue():
    """A small registry covering every case the public pages must get right. Returns a dict of products.

    Tests get it through the ``catalogue`` fixture (products/tests/conftest.py), written once per module."""
    today = timezone.localdate()
    nga_thanh = legacy_commune("Nga Sơn", "Nga Thanh")
    p = {}
    p["valid3"] = make_product(
        name="Nước mắm Hải Tiến",
        producer=make_producer(name="Công ty Cổ phần Hải Tiến", kind=Producer.Kind.ENTERPRISE),
        group=ProductGroup.objects.get(code="I.4"),
        legacy_commune=nga_thanh,
    )
    make_recognition(p["valid3"], stars=3, decision_date=days_ago(100))
    p["valid4"] = make_product(
        name="Nem chua Đông Sơn",
        producer=make_producer(name="Hộ kinh doanh Đỗ Văn Đức", kind=Producer.Kind.HOUSEHOLD),
        group=ProductGroup.objects.get(code="I.3"),
    )
    make_recognition(p["valid4"], stars=4, decision_date=days_ago(200))
    p["expiring"] = make_product(name="Chiếu cói Nga Sơn", group=ProductGroup.objects.get(code="IV.1"))
    make_recognition(
        p["expiring"],
        stars=3,
        decision_date=rules.earliest_valid_decision_date(today + datetime.timedelta(days=30)),
    )
    p["expired"] = make_product(name="Mật ong rừng Pù Luông")
    make_recognition(p["expired"], stars=4, decision_date=days_ago(4 * 365))
    p["revoked"] = make_product(name="Rượu men lá", group=ProductGroup.objects.get(code="II.1"))
    evaluation_revoke(
        evaluation=make_recognition(p["revoked"], stars=3, decision_date=days_ago(300)),
        revocation_no="12/QĐ-UBND",
        revocation_date=days_ago(10),
    )
    # Re-rated down: the newer 3★ decision is what the public sees, not the older 4★.
    p["rerated"] = make_product(name="Bánh gai Tứ Trụ")
    make_recognition(p["rerated"], stars=4, decision_date=days_ago(500))
    make_recognition(p["rerated"], stars=3, decision_date=days_ago(50))
    # Recognised at 4★ and proposed for 5★: still a 4★ product.
    p["proposed"] = make_product(name="Mắm tôm Ngư Lộc")
    evaluation_propose_national(
        evaluation=make_recognition(p["proposed"], stars=4, decision_date=days_ago(150), scores=(38, 24, 30)),
        proposal_date=days_ago(140),
    )
    # Never in the catalogue:
    p["unpublished"] = make_product(name="Nước mắm chưa công khai", is_published=False)
    make_recognition(p["unpublished"], stars=4, decision_date=days_ago(30))
    p["draft"] = make_product(name="Nước mắm nháp")
    make_evaluation(p["draft"], scores=None)
    p["scored"] = make_product(name="Nước mắm chờ quyết định")
    make_evaluation(p["scored"], scores=(28, 20, 30))
    p["proposal_only"] = make_product(name="Nước mắm đề xuất")
    evaluation_propose_national(
        evaluation=make_evaluation(p["proposal_only"], level=CouncilLevel.PROVINCE, scores=(38, 24, 33)),
        proposal_date=days_ago(20),
    )
    p["future"] = make_product(name="Nước mắm quyết định ngày mai")
    # Decisions cannot be recorded with a future date; a row dated tomorrow (a clock or data error)
    # must still never show before its date.
    future = make_recognition(p["future"], stars=3, decision_date=today)
    Evaluation.objects.filter(pk=future.pk).update(decision_date=today + datetime.timedelta(days=1))
    recognitions_resequence(product_ids=[p["future"].pk])  # as every write path does after changing a decision
    return p


LISTED = {"valid3", "valid4", "expiring", "expired", "revoked", "rerated", "proposed"}
NEVER_LISTED = {"unpublished", "draft", "scored", "proposal_only", "future"}


def pks(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def test_only_published_products_with_a_recognition_decided_by_today_are_listed(catalogue):
    assert pks(selectors.catalogue_products()) == {catalogue[k].pk for k in LISTED}


def test_drafts_scores_proposals_and_unpublished_products_are_never_listed(catalogue):
    never = {catalogue[k].pk for k in NEVER_LISTED}

    assert not pks(selectors.catalogue_products()) & never


def test_latest_recognition_defines_public_stars_and_certificate(catalogue):
    product = selectors.catalogue_products().get(pk=catalogue["rerated"].pk)

    assert product.cert_stars == 3
    assert product.cert_decision_date == days_ago(50)


def test_a_proposal_for_five_stars_does_not_change_the_recognised_stars(catalogue):
    assert selectors.catalogue_products().get(pk=catalogue["proposed"].pk).cert_stars == 4


def test_certificate_status_in_the_database_matches_the_model_rule(catalogue):
    today = timezone.localdate()
    for product in selectors.catalogue_products():
        latest = Evaluation.objects.get(pk=product.cert_id)
        assert product.cert_status == latest.certificate_status(today), product.name

    statuses = dict(selectors.catalogue_products().values_list("pk", "cert_status"))
    assert statuses[catalogue["expiring"].pk] == "expiring"
    assert statuses[catalogue["expired"].pk] == "expired"
    assert statuses[catalogue["revoked"].pk] == "revoked"
    assert statuses[catalogue["valid3"].pk] == "valid"


def test_certificate_status_can_be_asked_as_of_a_past_date(catalogue):
    day = days_ago(60)  # before the revocation and before the 3★ re-rating

    products = {p.pk: p for p in selectors.catalogue_products(day=day)}

    assert products[catalogue["revoked"].pk].cert_status == "valid"
    assert products[catalogue["rerated"].pk].cert_stars == 4


def test_valid_status_includes_certificates_expiring_soon(catalogue):
    valid = selectors.with_certificate_status(selectors.catalogue_products(), "valid")

    assert pks(valid) == {catalogue[k].pk for k in ("valid3", "valid4", "expiring", "rerated", "proposed")}


def test_the_catalogue_with_its_relations_is_one_query(catalogue, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(selectors.catalogue_products())
        for row in rows:
            (row.producer.name, row.commune.name, row.group and row.group.parent)

    assert len(rows) == len(LISTED)


def test_headline_counts_valid_products_by_star_producers_and_communes_in_one_query(
    catalogue, django_assert_num_queries
):
    with django_assert_num_queries(1):
        headline = selectors.headline_counts()

    assert headline.valid_products == 5
    assert headline.by_stars == {3: 3, 4: 2, 5: 0}
    assert headline.producers == 5
    assert headline.communes >= 1


def test_commune_counts_split_valid_from_listed(catalogue):
    counts = selectors.commune_counts()

    assert sum(valid for valid, _listed in counts.values()) == 5
    assert sum(listed for _valid, listed in counts.values()) == 7


def test_product_detail_has_its_rating_history_newest_first(catalogue):
    product = selectors.catalogue_product_detail(slug=catalogue["rerated"].slug)

    assert [e.stars for e in product.recognitions] == [3, 4]


CERTIFICATE_ATTRIBUTES = ("cert_id", "cert_stars", "cert_decision_no", "cert_decision_date", "cert_revoked_on",
                          "cert_status", "cert_year")


@pytest.mark.parametrize("when", ["today", "a year ago"])
def test_product_detail_reads_the_certificate_as_the_catalogue_does(catalogue, when, django_assert_num_queries):
    """Today a product page reads the current-recognition columns and computes the status in Python; a past day
    reads the decisions: both as the catalogue's query does, for every status."""
    day = selectors.today() if when == "today" else days_ago(365)
    rows = list(selectors.catalogue_products(day=day))
    assert {row.cert_status for row in rows} >= ({"valid", "expired", "revoked"} if when == "today" else {"valid"})
    for row in rows:
        with django_assert_num_queries(3):  # the product, its history, its images
            product = selectors.catalogue_product_detail(slug=row.slug, day=day)
        assert [getattr(product, name) for name in CERTIFICATE_ATTRIBUTES] == [
            getattr(row, name) for name in CERTIFICATE_ATTRIBUTES
        ], row.name
        assert product.recognitions[0].pk == row.cert_id
        assert all(e.decision_date <= day for e in product.recognitions)


def test_an_unpublished_product_has_no_detail(catalogue):
    assert selectors.catalogue_product_detail(slug=catalogue["unpublished"].slug) is None


def test_a_producer_is_public_only_with_a_listed_product(catalogue):
    assert selectors.public_producer(slug=catalogue["valid3"].producer.slug) is not None
    assert selectors.public_producer(slug=catalogue["draft"].producer.slug) is None
