"""The catalogue search's names as derived data: one row a product holding its folded name, its producer's, its
current commune's and its legacy commune's (``products.search``), so that a search reads one column of one table
from a trigram index instead of testing four names of every product.

The names are separated by a newline, which a folded query never holds (``normalise.fold`` turns every space into
one blank and the search splits its words on blanks): a word found in the column is found in one of the names,
exactly as the search defines a match. On PostgreSQL a GIN ``gin_trgm_ops`` index answers ``LIKE '%word%'``
(``migrations/0009_product_search_names.py``), so a search costs what its matches cost, not what the registry
holds; SQLite reads the table through.

How it is kept true, as the facet summary is (``products.derived``): :func:`rebuild` runs after every write that
commits, writing only the rows whose names changed (an upsert) and dropping those of deleted products, and stamps
the table with the data version; the search reads it only while that stamp is current, and otherwise tests the
names themselves.
"""

from django.db import connection, transaction
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat

from ocop_registry import data_version

from . import derived
from .models import Product, ProductSearchNames

NAME = "search-names"
SEPARATOR = "\n"


def rebuild(version: int | None = None) -> None:
    """Bring every product's row up to date and stamp the table with ``version`` (default: the current data
    version, read before the products are)."""
    version = data_version.current() if version is None else version
    names = Concat(
        F("name_key"), Value(SEPARATOR), F("producer__name_key"), Value(SEPARATOR), F("commune__name_key"),
        Value(SEPARATOR), Coalesce(F("legacy_commune__name_key"), Value("")), output_field=TextField(),
    )
    select, params = Product._base_manager.order_by().values("pk", names=names).query.sql_with_params()
    table = connection.ops.quote_name(ProductSearchNames._meta.db_table)
    products = connection.ops.quote_name(Product._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (product_id, names) SELECT * FROM ({select}) AS current WHERE TRUE "
            f"ON CONFLICT (product_id) DO UPDATE SET names = excluded.names WHERE {table}.names <> excluded.names",
            params,
        )
        cursor.execute(f"DELETE FROM {table} WHERE product_id NOT IN (SELECT id FROM {products})")
        derived.stamp(NAME, version)


def matching(words) -> QuerySet | None:
    """The ids of the products each of whose ``words`` is in one of their names (a subquery), or None when the
    table was not built for the current data version (the search then tests the names themselves)."""
    if not derived.is_current(NAME, rebuild=rebuild):
        return None
    rows = ProductSearchNames.objects.all()
    for word in words:
        rows = rows.filter(names__contains=word)
    return rows.values("product_id")
