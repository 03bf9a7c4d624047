"""The catalogue's facet counts as derived data, so that the unfiltered list does not count every product.

``CatalogueFacetCount`` holds the published catalogue's products counted by facet value (stars, group, commune,
legacy district, kind of producer, decision year, and ``status`` for all of them), by the month of their current
decision and the month of its revocation. The month is enough to tell a certificate's status on a day for every
month but three: the month of the day itself, the month in which certificates decided then lapse today
(``rules.earliest_valid_decision_date``) and the month where "expiring soon" begins
(``rules.expiring_decided_before``), and the month of the day for revocations. The products of those months are
counted from the products table, exactly, as every filtered list is; all other months come from the summary.
So the list's counts cost a read of the summary (a few thousand rows whatever the number of products) and a
count over about three months of decisions.

How it is kept true: :func:`rebuild` recomputes the whole summary (one INSERT … SELECT) after every write that
commits, from ``ocop_registry.data_version``'s bump, and stamps it with the data version it was built for. A
reader uses it only while that stamp is the current version (:func:`counts`), so a summary that is being rebuilt,
failed to rebuild, or is missing (a new database, tests that never commit, Redis unreachable) is never read: the
counts then come from the products table as before.
"""

import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.db.models.functions import Cast, ExtractYear, TruncMonth

from evaluations import rules
from ocop_registry import data_version

from .models import CatalogueFacetCount, DerivedDataVersion, Product

NAME = "catalogue-facets"
CertificateStatus = rules.CertificateStatus

# The value each product counts under in a facet, from its own columns (as ``CatalogueFilterSet.facet_keys``).
KEYS = {
    "stars": F("current_stars"),
    "group": F("group_id"),
    "commune": F("commune_id"),
    "district": F("legacy_commune__district_id"),
    "producer_kind": F("producer__kind"),
    "year": ExtractYear("current_decision_date"),
    "status": Value(""),  # every product once: the status facet's counts
}


def rebuild(version: int | None = None) -> None:
    """Recompute the summary from the products table and stamp it with ``version`` (default: the current data
    version, read before the products are, so that the summary holds at least what that version saw)."""
    version = data_version.current() if version is None else version
    products = Product.objects.published().filter(current_decision_date__isnull=False).order_by()
    parts = [
        products.values(
            facet=Value(name, output_field=CharField()),
            key_text=Cast(key, output_field=CharField()),
            decided_month=TruncMonth("current_decision_date"),
            revoked_month=TruncMonth("current_revoked_on"),
        ).annotate(n=Count("pk"))
        for name, key in KEYS.items()
    ]
    select, params = parts[0].union(*parts[1:], all=True).query.sql_with_params()
    table = connection.ops.quote_name(CatalogueFacetCount._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("facet", "key", "decided", "revoked", "products"))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one rebuild at a time; readers keep reading the last one
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM ({select}) AS summary", params)
        if not DerivedDataVersion.objects.filter(name=NAME).update(version=version):
            DerivedDataVersion.objects.bulk_create([DerivedDataVersion(name=NAME, version=version)])


def _rebuilt_for_reader(version: int) -> bool:
    """A reader that finds the summary built for another version (after Redis lost the version, or for a
    database written by a process with another cache) rebuilds it: one process per version, only while the
    version is really shared (with Redis down each request has its own) and only outside a transaction (whose
    writes, not yet committed, must not go into it). Without a shared cache (no Redis: each process keeps its own
    version) each process tries once per version it sees, and the others count from the products."""
    if transaction.get_connection().in_atomic_block or cache.get(data_version.KEY) != version:
        return False
    if not cache.add(f"{NAME}:rebuilding:{version}", True, 3600):
        return False  # another process is rebuilding it; this request counts the products
    rebuild(version)
    return True


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _month_range(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return month, following - datetime.timedelta(days=1)


def boundary_months(day: datetime.date) -> set:
    """The months whose decisions the summary cannot place on ``day`` (see the module's docstring)."""
    return {
        _month(day),
        _month(rules.earliest_valid_decision_date(day)),
        _month(rules.expiring_decided_before(day)),
    }


def boundary_condition(day: datetime.date) -> Q:
    """The catalogue products (``cert_*`` columns) that :func:`counts` leaves to be counted exactly."""
    condition = Q(cert_revoked_on__range=_month_range(_month(day)))
    for month in boundary_months(day):
        condition |= Q(cert_decision_date__range=_month_range(month))
    return condition


def counts(day: datetime.date, statuses: set) -> dict | None:
    """``{facet: {key: count}}`` from the summary, for the months outside :func:`boundary_months`, of the products
    whose certificate's status on ``day`` is in ``statuses`` (the ``status`` facet: of every status, by status);
    None when the summary was not built for the current data version. Two queries."""
    stamp = DerivedDataVersion.objects.filter(name=NAME).values_list("version", flat=True).first()
    version = data_version.current()
    if stamp != version and not _rebuilt_for_reader(version):
        return None
    this_month = _month(day)
    valid_from, expiring_before = _month(rules.earliest_valid_decision_date(day)), _month(
        rules.expiring_decided_before(day)
    )
    status = Case(
        When(revoked__lt=this_month, then=Value(CertificateStatus.REVOKED.value)),
        When(decided__lt=valid_from, then=Value(CertificateStatus.EXPIRED.value)),
        When(decided__lt=expiring_before, then=Value(CertificateStatus.EXPIRING.value)),
        default=Value(CertificateStatus.VALID.value),
        output_field=CharField(),
    )
    rows = (
        CatalogueFacetCount.objects.filter(decided__lt=this_month)
        .exclude(decided__in=boundary_months(day))
        .exclude(revoked=this_month)
        .values("facet", "key", certificate=status)
        .annotate(n=Sum("products"))
        .order_by()
    )
    result = {name: {} for name in KEYS}
    for row in rows:
        if row["facet"] == "status":
            key = row["certificate"]
        elif row["certificate"] in statuses:
            key = row["key"]
        else:
            continue
        result[row["facet"]][key] = result[row["facet"]].get(key, 0) + row["n"]
    return result
