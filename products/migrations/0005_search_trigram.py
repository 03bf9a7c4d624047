"""Trigram search on PostgreSQL: the pg_trgm extension and GIN indexes over the folded names that the
catalogue search reads (``products/search.py``). Nothing happens on SQLite, where the search's SQL functions
are registered on each connection instead.

Written in SQL rather than declared on the models: an index with an operator class needs
``django.contrib.postgres`` and PostgreSQL, and SQLite could not create it (nor run Django's
``TrigramExtension`` backwards). Going backwards drops the indexes and leaves the extension, which other
schemas of the database may use.
"""

from django.db import migrations

# (index, table): one GIN trigram index on ``name_key`` of each table the search reads.
INDEXES = [
    ("products_product_name_key_trgm", "products_product"),
    ("products_producer_name_key_trgm", "products_producer"),
    ("products_commune_name_key_trgm", "products_commune"),
    ("products_legacycommune_name_key_trgm", "products_legacycommune"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, table in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (name_key gin_trgm_ops)")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0004_current_certificate"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
