"""Export the rows an admin changelist shows (its filters, search and ordering) to XLSX or CSV.

Each admin lists its columns as ``export_fields``: field paths (``"producer__name"``), optionally
with a header (``("product__commune__name", "Xã")``); annotations of the admin's queryset can be
exported too when given a header. Rows are read with one ``values_list`` query, whatever the
number of rows. Choice fields export their Vietnamese label, booleans "Có"/"Không".

CSV is UTF-8 with a byte-order mark, so Excel shows Vietnamese correctly; dates are dd/mm/yyyy.
XLSX cells keep real dates (shown dd/mm/yyyy) and numbers.

Formula injection: names, addresses and decision numbers are typed by staff and importers, and a
spreadsheet would evaluate a cell such as ``=HYPERLINK("http://evil.example","x")``. Every CSV this
site writes (the admin exports, the public catalogue, the dashboard's expiring certificates) goes
through :func:`write_csv`, which prefixes text starting with ``= + - @``, tab or carriage return with
an apostrophe (:func:`safe_cell`, as OWASP recommends). XLSX cells are typed, so there the text is kept
exactly and stored as a string cell with Excel's "quote prefix" style: what a user gets by typing
``'=...``; it is shown as text and stays text if the cell is edited.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from typing import Any, Callable

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DATE_FORMAT = "%d/%m/%Y"
FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class Column:
    path: str
    header: str
    convert: Callable[[Any], Any]


def _field_at(model, field_path: str):
    """The model field a ``__`` path ends on, or None for an annotation."""
    field = None
    for part in field_path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            model = field.related_model
    return field


def _converter(field) -> Callable[[Any], Any]:
    if field is not None and field.choices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda value: labels.get(value, value)
    if isinstance(field, models.BooleanField):
        return lambda value: None if value is None else (gettext("Có") if value else gettext("Không"))
    return lambda value: value


def columns_for(model, specs) -> list[Column]:
    """Columns from specs: ``"path"``, ``("path", header)`` or ``("path", header, convert)``."""
    columns = []
    for spec in specs:
        spec = (spec,) if isinstance(spec, str) else tuple(spec)
        field_path, header, convert = (*spec, None, None)[:3]
        field = _field_at(model, field_path)
        if header is None:
            if field is None:
                raise ValueError(f"export column {field_path!r} needs a header")
            header = capfirst(str(field.verbose_name))
        columns.append(Column(field_path, str(header), convert or _converter(field)))
    return columns


def rows_for(queryset, columns: list[Column]):
    for values in queryset.values_list(*(column.path for column in columns)).iterator(chunk_size=2000):
        yield [column.convert(value) for column, value in zip(columns, values)]


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` made safe for a CSV cell: text a spreadsheet would evaluate as a formula gets a
    leading apostrophe; other text, numbers and ``None`` are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime(f"{DATE_FORMAT} %H:%M") if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    return value


def write_csv(out, header, rows) -> None:
    """Write a byte-order mark, ``header`` and ``rows`` as CSV to the text stream ``out``.

    The one CSV writer of the site: dates become dd/mm/yyyy and every cell goes through
    :func:`safe_cell`.
    """
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(_csv_cell(value)) for value in row])


def csv_response(filename: str, header, rows) -> HttpResponse:
    """A CSV attachment (UTF-8 with a byte-order mark) named ``filename``; see :func:`write_csv`."""
    response = HttpResponse(content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_csv(response, header, rows)
    return response


def xlsx_bytes(columns: list[Column], rows, title: str) -> bytes:
    # Imported here on purpose: openpyxl takes ~0.2 s to import, and only an export needs it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", "-", title)[:31] or "Sheet1")
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, datetime.datetime):
                value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
                # openpyxl would store "=..." as a formula: keep the text, as a quote-prefixed string.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cell.quotePrefix = True
            else:
                cell = value  # plain values are written directly (much faster than a cell object)
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(queryset, specs, fmt: str, basename: str, title: str = "") -> HttpResponse:
    """An attachment with ``queryset``'s rows in ``fmt`` ("xlsx" or "csv")."""
    columns = columns_for(queryset.model, specs)
    rows = rows_for(queryset, columns)
    filename = f"{basename}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(columns, rows, title or basename), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return csv_response(filename, [column.header for column in columns], rows)


class ExportMixin:
    """Adds "Xuất Excel" / "Xuất CSV" links to a changelist; they export the rows as filtered.

    The links carry the changelist's query string, so the export is built by the same
    ``ChangeList`` (filters, search, date hierarchy, ordering) as the page the user sees.
    """

    export_fields: tuple = ()
    change_list_template = "admin/change_list_export.html"

    def get_export_fields(self, request):
        if self.export_fields:
            return self.export_fields
        return tuple(
            field.name
            for field in self.model._meta.concrete_fields
            if not field.is_relation and field.name != "name_key"
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        export_urls = [
            path(
                f"export/{fmt}/",
                self.admin_site.admin_view(self.export_view),
                {"fmt": fmt},
                name="%s_%s_export_%s" % (*info, fmt),
            )
            for fmt in FORMATS
        ]
        return export_urls + super().get_urls()

    def export_view(self, request, fmt):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(reverse("admin:%s_%s_changelist" % info) + "?e=1")
        basename = self.opts.model_name
        return export_response(
            changelist.queryset,
            self.get_export_fields(request),
            fmt,
            basename=basename,
            title=capfirst(str(self.opts.verbose_name_plural)),
        )
