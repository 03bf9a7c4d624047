"""The catalogue's facet summary (``products.facet_summary``): derived counts that give the unfiltered list the
same figures as counting the products, kept true by a rebuild after every committed write."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from evaluations import rules
from evaluations.services import evaluation_revoke
from ocop_registry import data_version
from products import facet_summary
from products.filters import ALL_STATUSES, CatalogueFilterSet
from products.models import CatalogueFacetCount
from products.selectors import catalogue_products
from tests.factories import make_product, make_recognition, reference_data_load

pytestmark = pytest.mark.django_db

STATUSES = ["", "valid", "expired", "revoked", ALL_STATUSES]


def counts(query: str, day: datetime.date, *, summary: bool) -> dict:
    """The list's facet counts on ``day``: through the summary when it applies, or from the products alone (a
    filterset over a given queryset never reads the summary)."""
    queryset = None if summary else catalogue_products(day=day)
    return CatalogueFilterSet(QueryDict(query), queryset=queryset, day=day).facet_counts()


def without_zeros(figures: dict) -> dict:
    return {facet: {key: n for key, n in values.items() if n} for facet, values in figures.items()}


@pytest.fixture
def registry():
    """A few hundred products decided over the programme's years, with revocations past and future, and
    decisions on each boundary of the coming days (the day itself, lapsing, "expiring soon")."""
    call_command("generate_scale", "--products", "300", stdout=io.StringIO())
    today = timezone.localdate()
    for offset in (0, 20, 45, 100):
        day = today + datetime.timedelta(days=offset)
        for decided in (day, rules.earliest_valid_decision_date(day), rules.expiring_decided_before(day)):
            if decided <= today:
                make_recognition(make_product(), stars=4, decision_date=decided)
    revoked = make_recognition(make_product(), stars=3, decision_date=today - datetime.timedelta(days=400))
    evaluation_revoke(evaluation=revoked, revocation_no="7/QĐ-UBND", revocation_date=today)
    facet_summary.rebuild()
    return today


@pytest.mark.parametrize("offset", [0, 1, 17, 31, 60, 89, 90, 91, 150, 365, 800])
def test_the_summary_gives_the_counts_of_the_products_on_every_day(registry, offset):
    day = registry + datetime.timedelta(days=offset)
    facet_summary.rebuild(day=day)  # as the first reader of that day will
    for status in STATUSES:
        query = f"status={status}" if status else ""
        assert without_zeros(counts(query, day, summary=True)) == without_zeros(counts(query, day, summary=False)), (
            day, status)


def test_the_unfiltered_list_reads_the_summary_and_counts_no_products(registry, django_assert_num_queries):
    assert CatalogueFacetCount.objects.exists()
    filterset = CatalogueFilterSet(QueryDict(""))
    with django_assert_num_queries(1) as queries:  # the summary, its stamp among its rows
        figures = filterset.facet_counts()
    assert not any("products_product" in query["sql"] for query in queries.captured_queries)
    assert sum(figures["status"].values()) == catalogue_products().count()


def test_a_filtered_list_counts_the_products(registry, django_assert_num_queries):
    with django_assert_num_queries(1):
        CatalogueFilterSet(QueryDict("stars=4")).facet_counts()


def test_a_summary_built_for_another_data_version_is_never_read(registry, django_assert_num_queries):
    product = make_product()
    make_recognition(product, stars=5, decision_date=registry - datetime.timedelta(days=40))
    # The write has not committed (the test's transaction): move the version on as its commit would, without the
    # rebuild that follows it (as if the rebuild had failed, or were still running).
    cache.set(data_version.KEY, data_version.current() + 1, None)
    filterset = CatalogueFilterSet(QueryDict(""))
    with django_assert_num_queries(2):  # the summary (its stamp stale), then the products
        figures = filterset.facet_counts()
    assert figures == counts("", registry, summary=False)
    assert figures["stars"]["5"] >= 1


def test_every_committed_write_rebuilds_the_summary(registry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_recognition(make_product(), stars=5, decision_date=registry - datetime.timedelta(days=200))
    # Built for the version the write made: readers use it.
    assert facet_summary.stamp() == (data_version.current(), registry)
    assert counts("", registry, summary=True) == counts("", registry, summary=False)


def test_a_transaction_bumps_the_version_once_however_many_rows_it_writes(
    django_capture_on_commit_callbacks, monkeypatch
):
    bumps = []
    monkeypatch.setattr(data_version, "_bump", lambda: bumps.append(1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(3):
            make_product()
    assert len(callbacks) > 1 and len(bumps) == 1
    with django_capture_on_commit_callbacks(execute=True):  # the next transaction bumps again
        make_product()
    assert len(bumps) == 2


def test_a_summary_built_for_another_day_is_never_read(registry, django_assert_num_queries):
    yesterday = registry - datetime.timedelta(days=1)
    facet_summary.rebuild(day=yesterday)
    figures = CatalogueFilterSet(QueryDict("")).facet_counts()  # inside the test's transaction: no rebuild
    assert figures == counts("", registry, summary=False)
    assert facet_summary.stamp()[1] == yesterday


@pytest.mark.django_db(transaction=True)
def test_a_reader_that_finds_the_summary_stale_rebuilds_it_once(monkeypatch):
    """After Redis lost the version (or the database was written by a process with another cache), the first
    reader outside a transaction rebuilds the summary for the version it sees; the others count meanwhile."""
    reference_data_load()
    make_recognition(make_product(), stars=4, decision_date=timezone.localdate() - datetime.timedelta(days=70))
    cache.set(data_version.KEY, data_version.current() + 1, None)  # as a new Redis would start one
    figures = CatalogueFilterSet(QueryDict("")).facet_counts()
    assert facet_summary.stamp() == (data_version.current(), timezone.localdate())
    assert figures == counts("", timezone.localdate(), summary=False)
    assert figures["stars"]["4"] == 1
    # Once per version: a reader that finds it stale again (built for another day by hand here) leaves it alone.
    facet_summary.rebuild(day=timezone.localdate() - datetime.timedelta(days=1))
    assert CatalogueFilterSet(QueryDict("")).facet_counts() == figures  # counted from the products
    assert facet_summary.stamp()[1] == timezone.localdate() - datetime.timedelta(days=1)
    # The next day: its first reader rebuilds the summary for it.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert CatalogueFilterSet(QueryDict("")).facet_counts() == counts("", tomorrow, summary=False)
    assert facet_summary.stamp() == (data_version.current(), tomorrow)


@pytest.mark.parametrize("filters", ["stars=4", "q=mat+ong", "producer_kind=htx&status=all", "year=2021&stars=9"])
@pytest.mark.parametrize("status", STATUSES)
def test_every_list_knows_its_length_from_the_counts(registry, status, filters, client, django_assert_num_queries):
    """The status facet counts the list under every other filter: its chosen statuses add up to the list's length,
    from the summary (the unfiltered list) or from the products (a filtered one), so no list counts its rows."""
    for query in (f"status={status}" if status else "", f"{filters}&status={status}" if status else filters):
        filterset = CatalogueFilterSet(QueryDict(query))
        assert filterset.total is None  # until the counts tell it
        filterset.facet_counts()
        assert filterset.total == filterset.qs.count(), query
        response = client.get(f"/san-pham/?{query}")
        assert response.context["page_obj"].paginator.count == filterset.total


# One pass (PostgreSQL's GROUPING SETS) --------------------------------------------------------------------------


def filter_queries(product) -> list:
    """Filters of every kind, alone and together, drawn from ``product`` (so that they match something)."""
    group, legacy = product.group, product.legacy_commune
    one_of_each = [
        "stars=4", "stars=3&stars=5", f"group={group.code}", f"commune={product.commune.code}",
        f"producer_kind={product.producer.kind}", "year=2021", "q=mat+ong", "q=nuoc", "status=all", "status=expired",
        "status=revoked", "q=zzzz+qqqq",
    ]
    if group.parent:
        one_of_each.append(f"group={group.parent.code}")
    if legacy:
        one_of_each.append(f"district={legacy.district.code}")
    together = [
        f"stars=4&group={group.code}&status=all", f"q=mat&commune={product.commune.code}",
        f"stars=3&stars=4&producer_kind={product.producer.kind}&year=2022&status=expired",
        "q=nuoc&stars=9&year=abc",  # malformed values are ignored
    ]
    if legacy:
        together.append(f"district={legacy.district.code}&stars=3&status=all")
    return one_of_each + together


def test_the_one_pass_counts_are_the_union_counts(registry):
    """On PostgreSQL a filtered list counts its facets in one pass; the figures are the UNION's, for every kind of
    filter, alone and together (a product without a group or a legacy commune included)."""
    if connection.vendor != "postgresql":
        pytest.skip("GROUPING SETS: PostgreSQL's (SQLite counts with the UNION)")
    make_recognition(make_product(group=None, legacy_commune=None), stars=4, decision_date=registry)
    product = catalogue_products().filter(group__parent__isnull=False, legacy_commune__isnull=False).first()
    queries, found = filter_queries(product), 0
    for query in queries:
        filterset = CatalogueFilterSet(QueryDict(query))
        grouped = filterset._grouped_counts()
        assert grouped == without_zeros(filterset._union_counts()), query
        found += bool(grouped["status"])
    assert found >= len(queries) - 3  # the comparisons are of real counts, not of empty lists
