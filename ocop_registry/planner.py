"""Planner statistics after bulk writes.

The database chooses how to read a table (an index in the catalogue's order, or a scan and a sort) from its
statistics of the table's contents. PostgreSQL's autovacuum refreshes them some time after a large change;
until then, a table that grew from 700 to 20,000 rows in one import is planned as if it were small, and the
catalogue's page query ran 100 times slower (116 ms instead of 1 ms, measured after ``generate_scale``).
SQLite never refreshes them by itself. The bulk write paths (the register import, the scale generator) ask
for fresh statistics once their transaction commits, and a restore for the whole database's.
"""

from django.db import connection, transaction


def statistics_refresh(*models) -> None:
    """``ANALYZE`` the models' tables (every table without any) once the current transaction commits (at once
    outside one)."""
    statements = [f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}" for model in models] or ["ANALYZE"]

    def analyze():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    transaction.on_commit(analyze)
