"""Reading the file: CSV or XLSX into rows, the header row found and matched to the columns."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext

from products.normalise import fold

from .cells import cell_text

HEADER_SEARCH_ROWS = 30


class ImportFileError(Exception):
    """The file itself cannot be read (not CSV/XLSX, not UTF-8, no header row)."""


# --- Columns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the Vietnamese header, as councils write it
    alias: str  # the English alias accepted in brackets or alone
    required: bool
    other_names: tuple = ()


COLUMNS = (
    Column("product", "Tên sản phẩm", "product", True, ("Sản phẩm", "Tên SP")),
    Column("producer", "Chủ thể", "producer", True, ("Tên chủ thể", "Chủ thể OCOP", "Chủ thể sản xuất")),
    Column("producer_kind", "Loại hình chủ thể", "producer_kind", False, ("Loại hình", "Loại chủ thể")),
    Column("commune", "Xã", "commune", True, ("Xã/phường", "Xã, phường", "Phường/xã", "Xã/phường/thị trấn")),
    Column("district", "Huyện", "district", False, ("Huyện/thị xã/thành phố", "Huyện, thị xã, thành phố")),
    Column("group", "Nhóm sản phẩm", "group", False, ("Nhóm", "Phân nhóm", "Ngành", "Ngành hàng")),
    Column("score", "Điểm", "score", False, ("Tổng điểm", "Số điểm")),
    Column("stars", "Hạng sao", "stars", True, ("Số sao", "Xếp hạng", "Hạng")),
    Column("level", "Cấp công nhận", "level", False, ("Cấp", "Cấp hội đồng")),
    Column("decision_no", "Số quyết định", "decision_no", True, ("Số QĐ", "Quyết định số")),
    Column("decision_date", "Ngày quyết định", "decision_date", True, ("Ngày QĐ", "Ngày ban hành")),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
REQUIRED_FIELDS = tuple(column.field for column in COLUMNS if column.required)


def _header_key(text: str) -> str:
    """"Tên sản phẩm" → "tensanpham": folded, without spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


_HEADER_KEYS = {
    _header_key(name): column.field
    for column in COLUMNS
    for name in (column.label, column.alias, *column.other_names)
}


def match_header(text) -> str | None:
    """The field a header names: "Tên sản phẩm", "ten san pham", "Tên sản phẩm (product)", "product"."""
    text = cell_text(text)
    if not text:
        return None
    candidates = [text, re.sub(r"[\(\[].*?[\)\]]", " ", text)]
    candidates += re.findall(r"[\(\[](.*?)[\)\]]", text)
    for candidate in candidates:
        found = _HEADER_KEYS.get(_header_key(candidate))
        if found:
            return found
    return None


def _find_header(rows) -> tuple[int, dict] | None:
    """The index of the first row naming every required column, and its field → column index map."""
    for index, (_row_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping = {}
        for position, cell in enumerate(cells):
            found = match_header(cell)
            if found and found not in mapping:
                mapping[found] = position
        if all(name in mapping for name in REQUIRED_FIELDS):
            return index, mapping
    return None


# --- Rows -----------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> list:
    # Imported here on purpose: openpyxl takes ~0.2 s to import, and only an .xlsx register needs it.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(gettext("Không đọc được tệp XLSX (tệp hỏng hoặc không phải Excel .xlsx).")) from exc
    try:
        sheet = workbook.worksheets[0]
        return [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def _read_csv(data: bytes) -> list:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            gettext("Tệp CSV không ở mã UTF-8. Trong Excel, hãy lưu lại bằng “CSV UTF-8 (phân cách bằng dấu phẩy)”.")
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parsed = {}
    for delimiter in (",", ";", "\t"):
        rows = _csv_rows(text, delimiter)
        if _find_header(rows) is not None:
            return rows
        parsed[delimiter] = rows
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return parsed[delimiter]


def _csv_rows(text: str, delimiter: str) -> list:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    line = 1
    for cells in reader:
        rows.append((line, cells))
        line = reader.line_num + 1
    return rows


def read_rows(data: bytes, filename: str = "") -> tuple[list, dict]:
    """The data rows [(row number, {field: value})] and the header text of each field."""
    is_xlsx = Path(filename).suffix.lower() in {".xlsx", ".xlsm"} or data[:4] == b"PK\x03\x04"
    rows = _read_xlsx(data) if is_xlsx else _read_csv(data)
    found = _find_header(rows)
    if found is None:
        missing = ", ".join(f"“{COLUMN_BY_FIELD[name].label}”" for name in REQUIRED_FIELDS)
        raise ImportFileError(
            gettext("Không tìm thấy dòng tiêu đề. Tệp cần có các cột bắt buộc: %(missing)s (xem hướng dẫn nhập).")
            % {"missing": missing}
        )
    header_index, mapping = found
    header_cells = rows[header_index][1]
    headers = {name: cell_text(header_cells[position]) for name, position in mapping.items()}
    records = []
    for number, cells in rows[header_index + 1 :]:
        record = {name: (cells[position] if position < len(cells) else None) for name, position in mapping.items()}
        records.append((number, record))
    return records, headers
