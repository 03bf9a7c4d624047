"""Import the lists that evaluation councils publish (CSV or XLSX) into the register.

One row is one decision about one product. The import runs in two steps:

1. :func:`register_plan` reads the file, resolves every row against the registry
   (producers, products, units, groups, existing decisions) and collects *every* error
   with its row number, column and a Vietnamese message. It writes nothing.
2. :func:`register_import` plans, and only when no row is invalid writes the whole plan in
   one transaction with ``bulk_create`` (fast enough for 10,000 rows), recording a
   "created" history entry for every new row (django-simple-history's
   ``bulk_history_create``), so imported rows appear in the audit trail.

Importing the same file twice changes nothing: a product is matched by its producer and
folded name, and a decision about a product by its folded decision number.
The file format and the choices made here are documented in ``docs/import.md``.

The modules are the stages, in the order a file goes through them:

- :mod:`.reading` — the file's bytes into rows; the header row found and matched to :data:`COLUMNS`;
- :mod:`.cells` — each cell's value parsed (stars, level, score, date, producer kind);
- :mod:`.places` — the commune (today's, or a legacy one in its former district) and the group found;
- :mod:`.planning` — each row checked against the rules and the registry, into an :class:`ImportPlan`;
- :mod:`.writing` — the plan written in bulk; :func:`register_import` plans then writes;
- :mod:`.report` — what the import tells the person running it.
"""

from .cells import infer_producer_kind, parse_date, parse_level, parse_producer_kind, parse_score, parse_stars
from .planning import ImportPlan, register_plan
from .reading import COLUMNS, Column, ImportFileError, match_header, read_rows
from .report import ImportReport, RowError, RowPlan
from .writing import register_import

__all__ = [
    "COLUMNS",
    "Column",
    "ImportFileError",
    "ImportPlan",
    "ImportReport",
    "RowError",
    "RowPlan",
    "infer_producer_kind",
    "match_header",
    "parse_date",
    "parse_level",
    "parse_producer_kind",
    "parse_score",
    "parse_stars",
    "read_rows",
    "register_import",
    "register_plan",
]
