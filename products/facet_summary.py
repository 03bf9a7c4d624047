"""The catalogue's facet counts as derived data, so that the unfiltered list does not count every product.

``CatalogueFacetCount`` holds the published catalogue's products of one day counted by facet value (stars, group,
commune, legacy district, kind of producer, decision year, and ``status`` for all of them) and by the status of
their certificate on that day (``rules.CertificateStatus``). The unfiltered list of that day reads its counts, and
its length, from a few hundred rows whatever the number of products: no count over the products at all.

How it is kept true: :func:`rebuild` recomputes the whole summary (one INSERT … SELECT) after every write that
commits, from ``ocop_registry.data_version``'s bump, and stamps it with the data version and the day it was built
for (a row of its own, read with the counts). A reader uses it only while that stamp is the current version and
today (:func:`counts`), so a summary that
is being rebuilt, failed to rebuild, is missing (a new database, tests that never commit, Redis unreachable) or was
built yesterday is never read: the first reader of a new day or version outside a transaction rebuilds it (once,
``products.derived``), and the counts meanwhile come from the products table, as every filtered list's do.
"""

import datetime

from django.db import connection, transaction
from django.db.models import CharField, Count, F, Value
from django.db.models.functions import Cast, ExtractYear
from django.utils import timezone

from ocop_registry import data_version

from . import derived
from .models import CatalogueFacetCount

NAME = "catalogue-facets"
STAMP = "@stamp"  # the facet of the row that records the version and day the summary was built for

# The value each product counts under in a facet, from its current certificate's columns (as
# ``CatalogueFilterSet.facet_keys``).
KEYS = {
    "stars": F("cert_stars"),
    "group": F("group_id"),
    "commune": F("commune_id"),
    "district": F("legacy_commune__district_id"),
    "producer_kind": F("producer__kind"),
    "year": ExtractYear("cert_decision_date"),
    "status": Value(""),  # every product once: the status facet's counts
}


def rebuild(version: int | None = None, day: datetime.date | None = None) -> None:
    """Recompute the summary for ``day`` (default today) from the products table and stamp it with ``version``
    (default: the current data version, read before the products are, so that the summary holds at least what
    that version saw)."""
    from .selectors import catalogue_products  # selectors read the summary's model; keep the import one-way

    version = data_version.current() if version is None else version
    day = day or timezone.localdate()
    products = catalogue_products(day=day).order_by()
    parts = [
        products.values(
            facet=Value(name, output_field=CharField()),
            key_text=Cast(key, output_field=CharField()),
            certificate=F("cert_status"),
        ).annotate(n=Count("pk"))
        for name, key in KEYS.items()
    ]
    counted = [
        CatalogueFacetCount(facet=row["facet"], key=row["key_text"], status=row["certificate"], products=row["n"])
        for row in parts[0].union(*parts[1:], all=True)
    ]
    counted.append(CatalogueFacetCount(facet=STAMP, key=_stamp(version, day), status="", products=0))
    # Emptied by TRUNCATE on PostgreSQL, not DELETE: no dead rows for readers to scan until a vacuum (the table is
    # read whole, and rewritten on every write). Its lock holds readers back only while the few hundred rows,
    # counted above, are written; one rebuild at a time. In SQL, not through the ORM, whose delete would send the
    # signals that bump the data version (and so rebuild again).
    empty = "TRUNCATE {}" if connection.vendor == "postgresql" else "DELETE FROM {}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(empty.format(connection.ops.quote_name(CatalogueFacetCount._meta.db_table)))
        CatalogueFacetCount.objects.bulk_create(counted)


def stamp() -> tuple[int, datetime.date] | None:
    """The data version and the day the summary was built for (None before it ever was)."""
    key = CatalogueFacetCount.objects.filter(facet=STAMP).values_list("key", flat=True).first()
    if key is None:
        return None
    version, day = key.split(":")
    return int(version), datetime.date.fromisoformat(day)


def _stamp(version: int, day: datetime.date) -> str:
    return f"{version}:{day.isoformat()}"


def counts(day: datetime.date, statuses: set, *, facets=tuple(KEYS)) -> dict | None:
    """``{facet: {key: count}}`` of ``facets`` (default all), of the catalogue's products on ``day`` whose
    certificate's status is in ``statuses`` (the ``status`` facet: of every status, by status), from the summary;
    None when the summary was not built for the current data version and ``day``. One query: the stamp is a row
    of the summary, read with the counts (and so of the same rebuild)."""
    version = data_version.current()
    found = _read(statuses, facets)
    if (STAMP, _stamp(version, day)) not in {(facet, key) for facet, key, *_ in found}:
        rebuilt = day == timezone.localdate() and derived.rebuilt_by_reader(
            NAME, version, day, lambda version: rebuild(version, day)
        )
        if not rebuilt:
            return None
        found = _read(statuses, facets)
    result = {name: {} for name in facets}
    for facet, key, status, products in found:
        if facet != STAMP:
            key = status if facet == "status" else key
            result[facet][key] = result[facet].get(key, 0) + products
    return result


def _read(statuses, facets) -> list:
    """The stamp's row and the rows :func:`counts` adds up. Plain SQL: a fixed query on every list request, which
    the ORM took four times as long to build as the database to answer."""
    table = connection.ops.quote_name(CatalogueFacetCount._meta.db_table)
    statuses, facets = sorted(statuses), list(facets)
    among = ", ".join(["%s"] * len(facets))
    chosen = ", ".join(["%s"] * len(statuses))
    sql = (
        f"SELECT facet, key, status, products FROM {table} "
        f"WHERE facet = %s OR (facet IN ({among}) AND (facet = %s OR status IN ({chosen})))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [STAMP, *facets, "status", *statuses])
        return cursor.fetchall()
