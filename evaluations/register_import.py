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
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from products.models import (
    Commune,
    LegacyCommune,
    LegacyDistrict,
    LegacySector,
    Producer,
    Product,
    ProductGroup,
    provisional_code,
)
from products.normalise import fold, vietnamese_slug

from . import rules
from .models import Evaluation
from .rules import CouncilLevel
from .services import recognitions_resequence

BATCH_SIZE = 500
HEADER_SEARCH_ROWS = 30
# Cells stored in columns of limited length: a longer value is a row error, never a database error.
MAX_LENGTHS = {
    "product": Product._meta.get_field("name").max_length,
    "producer": Producer._meta.get_field("name").max_length,
    "decision_no": Evaluation._meta.get_field("decision_no").max_length,
}
STAR_CHOICES = tuple(stars for _low, _high, stars in rules.STAR_BANDS if stars >= rules.CERTIFIED_MIN_STARS)


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


_HEADER_KEYS = {}
for _column in COLUMNS:
    for _name in (_column.label, _column.alias, *_column.other_names):
        _HEADER_KEYS[_header_key(_name)] = _column.field


def match_header(text) -> str | None:
    """The field a header names: "Tên sản phẩm", "ten san pham", "Tên sản phẩm (product)", "product"."""
    text = _cell_text(text)
    if not text:
        return None
    candidates = [text, re.sub(r"[\(\[].*?[\)\]]", " ", text)]
    candidates += re.findall(r"[\(\[](.*?)[\)\]]", text)
    for candidate in candidates:
        found = _HEADER_KEYS.get(_header_key(candidate))
        if found:
            return found
    return None


# --- Report ---------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        if self.row:
            return _("Dòng %(row)s, cột “%(column)s”: %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message,
            }
        return self.message


@dataclass
class RowPlan:
    """What one data row will do (or did)."""

    row: int
    product: str
    producer: str
    place: str
    stars: int
    level: str
    decision_no: str
    decision_date: datetime.date
    action: str  # "create" or "unchanged"
    is_proposal: bool = False
    new_producer: bool = False
    new_product: bool = False
    note: str = ""

    @property
    def level_label(self):
        return CouncilLevel(self.level).label

    @property
    def action_label(self):
        if self.action == "unchanged":
            return _("Không đổi (đã có trong sổ)")
        if self.is_proposal:
            return _("Ghi đề xuất 5 sao")
        return _("Ghi quyết định công nhận")


@dataclass
class ImportReport:
    filename: str = ""
    data_rows: int = 0
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    skipped_rows: list = field(default_factory=list)
    created_producers: int = 0
    created_products: int = 0
    created_evaluations: int = 0
    unchanged_rows: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def proposals(self) -> int:
        return sum(1 for row in self.rows if row.action == "create" and row.is_proposal)

    def error(self, row: int, column: str, message: str):
        self.errors.append(RowError(row, column, message))

    def summary(self) -> str:
        counts = {
            "producers": ngettext("%(count)s chủ thể", "%(count)s chủ thể", self.created_producers)
            % {"count": self.created_producers},
            "products": ngettext("%(count)s sản phẩm", "%(count)s sản phẩm", self.created_products)
            % {"count": self.created_products},
            "decisions": ngettext("%(count)s quyết định", "%(count)s quyết định", self.created_evaluations)
            % {"count": self.created_evaluations},
            "proposals": ngettext("%(count)s đề xuất 5 sao", "%(count)s đề xuất 5 sao", self.proposals)
            % {"count": self.proposals},
            "unchanged": ngettext("%(count)s dòng không đổi", "%(count)s dòng không đổi", self.unchanged_rows)
            % {"count": self.unchanged_rows},
        }
        if self.written:
            template = _("Đã tạo %(producers)s, %(products)s, %(decisions)s (trong đó %(proposals)s); %(unchanged)s.")
        else:
            template = _("Sẽ tạo %(producers)s, %(products)s, %(decisions)s (trong đó %(proposals)s); %(unchanged)s.")
        return template % counts


# --- Reading the file -----------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


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


def _read_xlsx(data: bytes) -> list:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(_("Không đọc được tệp XLSX (tệp hỏng hoặc không phải Excel .xlsx).")) from exc
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
            _("Tệp CSV không ở mã UTF-8. Trong Excel, hãy lưu lại bằng “CSV UTF-8 (phân cách bằng dấu phẩy)”.")
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
            _("Không tìm thấy dòng tiêu đề. Tệp cần có các cột bắt buộc: %(missing)s (xem hướng dẫn nhập).")
            % {"missing": missing}
        )
    header_index, mapping = found
    header_cells = rows[header_index][1]
    headers = {name: _cell_text(header_cells[position]) for name, position in mapping.items()}
    records = []
    for number, cells in rows[header_index + 1 :]:
        record = {name: (cells[position] if position < len(cells) else None) for name, position in mapping.items()}
        records.append((number, record))
    return records, headers


# --- Parsing values -------------------------------------------------------------------------


_KIND_ALIASES = {
    Producer.Kind.ENTERPRISE: ("doanh nghiep", "cong ty", "dn", "doanh nghiep tu nhan", "dntn", "enterprise"),
    Producer.Kind.COOPERATIVE: ("hop tac xa", "htx", "cooperative"),
    Producer.Kind.COOPERATIVE_GROUP: ("to hop tac", "tht", "cooperative group"),
    Producer.Kind.HOUSEHOLD: (
        "ho san xuat kinh doanh", "ho sxkd", "ho kinh doanh", "ho kd", "co so", "co so san xuat",
        "ho san xuat", "ho gia dinh", "household",
    ),
}
_KIND_BY_ALIAS = {alias: kind for kind, aliases in _KIND_ALIASES.items() for alias in aliases}
# Name prefixes that tell a new producer's kind when the column is absent or empty.
_KIND_PREFIXES = (
    ("cong ty", Producer.Kind.ENTERPRISE), ("doanh nghiep", Producer.Kind.ENTERPRISE),
    ("dntn", Producer.Kind.ENTERPRISE), ("ct ", Producer.Kind.ENTERPRISE), ("cty", Producer.Kind.ENTERPRISE),
    ("hop tac xa", Producer.Kind.COOPERATIVE), ("htx", Producer.Kind.COOPERATIVE),
    ("to hop tac", Producer.Kind.COOPERATIVE_GROUP), ("tht", Producer.Kind.COOPERATIVE_GROUP),
)


def _key(text: str) -> str:
    """Folded, punctuation as spaces: the key units, groups and names are compared by."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def parse_producer_kind(text: str) -> str | None:
    key = _key(text)
    if key in _KIND_BY_ALIAS:
        return _KIND_BY_ALIAS[key]
    if key.startswith("cong ty"):
        return Producer.Kind.ENTERPRISE
    return None


def infer_producer_kind(name: str) -> str:
    """A new producer's kind from its name ("Công ty…", "HTX…", "THT…"); otherwise a household."""
    key = _key(name) + " "
    for prefix, kind in _KIND_PREFIXES:
        if key.startswith(prefix):
            return kind
    return Producer.Kind.HOUSEHOLD


_LEVEL_ALIASES = {
    CouncilLevel.DISTRICT: ("huyen", "cap huyen", "district", "ubnd huyen"),
    CouncilLevel.PROVINCE: ("tinh", "cap tinh", "province", "ubnd tinh"),
    CouncilLevel.CENTRAL: ("trung uong", "cap trung uong", "tw", "central", "quoc gia", "cap quoc gia"),
}
_LEVEL_BY_ALIAS = {alias: level for level, aliases in _LEVEL_ALIASES.items() for alias in aliases}


def parse_level(text: str) -> str | None:
    return _LEVEL_BY_ALIAS.get(_key(text))


def parse_stars(value) -> int | None:
    """3, 4 or 5 from "4", 4, 4.0, "4 sao", "4★" or "★★★★"; None otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return int(number) if number.is_integer() and int(number) in STAR_CHOICES else None
    text = _cell_text(value)
    if text and set(text) == {"★"}:
        count = len(text)
    else:
        match = re.fullmatch(r"([0-9])(?:[.,]0+)?\s*(?:sao|★|\*)?", fold(text))
        if match is None:
            return None
        count = int(match.group(1))
    return count if count in STAR_CHOICES else None


def parse_score(value) -> int | None:
    """A whole total out of 100, or None when it is not one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _cell_text(value).replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    if not number.is_integer() or not 0 <= number <= rules.MAX_TOTAL:
        return None
    return int(number)


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d")


def parse_date(value) -> datetime.date | None:
    """dd/mm/yyyy or yyyy-mm-dd text, or an Excel date cell."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _cell_text(value)
    text = text.split(" ")[0] if re.fullmatch(r"\S+ 00:00(:00)?", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number_key(text: str) -> str:
    """A decision number compared ignoring case, diacritics and spacing ("5445/QĐ-UBND" = "5445/qd-ubnd")."""
    return re.sub(r"\s+", "", fold(text))


def _has_marks(*texts: str) -> bool:
    """Whether the text is written with Vietnamese diacritics (so a name without marks is meant literally)."""
    return any(fold(text) != text.lower() for text in texts if text)


# --- Administrative units and groups --------------------------------------------------------


_COMMUNE_PREFIXES = (
    ("thi tran", "thi_tran"), ("phuong", "phuong"), ("xa", "xa"), ("tt", "thi_tran"), ("p", "phuong"),
)
_DISTRICT_PREFIXES = (
    ("thanh pho", "thanh_pho"), ("thi xa", "thi_xa"), ("huyen", "huyen"), ("tp", "thanh_pho"),
    ("tx", "thi_xa"), ("h", "huyen"),
)


@dataclass
class _UnitName:
    raw: str  # as written, without its prefix
    key: str  # folded key without the prefix
    full_key: str  # folded key with the prefix ("phuong nghi" is a name, not a prefix)
    kind: str | None

    @property
    def compact_keys(self) -> set:
        return {self.key.replace(" ", ""), self.full_key.replace(" ", "")}


def _split_prefix(text: str, prefixes) -> _UnitName:
    words = re.sub(r"[^\w]+", " ", _cell_text(text)).split()
    folded = [fold(word) for word in words]
    full_key = " ".join(folded)
    for prefix, kind in prefixes:
        size = len(prefix.split())
        if len(words) > size and " ".join(folded[:size]) == prefix:
            rest = words[size:]
            return _UnitName(" ".join(rest), " ".join(folded[size:]), full_key, kind)
    return _UnitName(" ".join(words), full_key, full_key, None)


class _UnitIndex:
    """Units looked up by literal name, folded name and earlier (folded, no-space) names."""

    def __init__(self, units):
        self.literal = defaultdict(list)
        self.folded = defaultdict(list)
        self.former = defaultdict(list)
        for unit in units:
            self.literal[unit.name.lower()].append(unit)
            self.folded[_key(unit.name)].append(unit)
            for former in getattr(unit, "former_names", None) or ():
                self.former[former].append(unit)

    def pick(self, name: _UnitName, literal: bool, former: bool) -> list:
        """Tiers: literal name (when the row is written with marks), folded name, earlier names."""
        tiers = []
        if literal:
            tiers.append(self.literal.get(name.raw.lower(), []))
        tiers.append(self.folded.get(name.key, []))
        tiers.append(self.folded.get(name.full_key, []))
        if former:
            tiers.append(list({u.pk: u for key in name.compact_keys for u in self.former.get(key, [])}.values()))
        for found in tiers:
            if found and name.kind:
                found = [u for u in found if u.kind == name.kind] or found
            if found:
                return found
        return []


class _Places:
    """Every unit and group, loaded once and looked up in memory (results memoised per name)."""

    def __init__(self):
        communes = list(Commune.objects.all())
        legacy = list(LegacyCommune.objects.select_related("district", "successor"))
        self.communes = _UnitIndex(communes)
        self.districts = _UnitIndex(LegacyDistrict.objects.all())
        self.legacy = _UnitIndex(legacy)
        by_district = defaultdict(list)
        for unit in legacy:
            by_district[unit.district_id].append(unit)
        self.legacy_by_district = {pk: _UnitIndex(units) for pk, units in by_district.items()}
        self.groups = list(ProductGroup.objects.select_related("parent"))
        self.group_by_code = {group.code: group for group in self.groups}
        self.group_by_name = defaultdict(list)
        for group in self.groups:
            self.group_by_name[_key(group.name)].append(group)
        self.sector_group = {_key(s.name): s.group for s in LegacySector.objects.select_related("group")}
        self._memo = {}

    def _memoised(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def district(self, text: str):
        return self._memoised(("district", text), lambda: self.districts.pick(
            _split_prefix(text, _DISTRICT_PREFIXES), _has_marks(text), former=True
        ))

    def legacy_commune(self, text: str, districts, literal: bool):
        def compute():
            name = _split_prefix(text, _COMMUNE_PREFIXES)
            found = []
            for district in districts:
                index = self.legacy_by_district.get(district.pk)
                if index is not None:
                    found += index.pick(name, literal, former=True)
            return found

        return self._memoised(("legacy", text, tuple(d.pk for d in districts), literal), compute)

    def legacy_commune_anywhere(self, text: str):
        return self.legacy.pick(_split_prefix(text, _COMMUNE_PREFIXES), False, former=True)

    def commune(self, text: str):
        return self._memoised(("commune", text), lambda: self.communes.pick(
            _split_prefix(text, _COMMUNE_PREFIXES), _has_marks(text), former=False
        ))

    def group(self, text: str):
        return self._memoised(("group", text), lambda: self._group(text))

    def _group(self, text: str):
        """A group by code ("I.3", "Nhóm I.3", "I.3. Thực phẩm chế biến") or by a 148 or 1048 name."""
        text = _cell_text(text)
        stripped = re.sub(r"^(?:nhóm|phân nhóm|ngành|nhom|phan nhom|nganh)\s+", "", text, flags=re.IGNORECASE)
        match = re.match(r"^([IVX]+(?:\.[0-9]+)?)\.?(?=\s|$)", stripped.upper())
        if match:
            return self.group_by_code.get(match.group(1))
        key = _key(stripped)
        found = self.group_by_name.get(key, [])
        if len(found) > 1:
            # A group and its only subgroup can share a name (VI / VI.1): take the subgroup.
            subgroups = [g for g in found if g.is_subgroup]
            found = subgroups if len(subgroups) == 1 else []
        if found:
            return found[0]
        return self.sector_group.get(key)


def _describe_legacy(unit) -> str:
    return str(unit)


# --- Planning -------------------------------------------------------------------------------


@dataclass
class _NewProducer:
    name: str
    kind: str
    commune: Commune
    row: int
    instance: Producer | None = None


@dataclass
class _NewProduct:
    name: str
    producer_key: object  # an existing producer id, or the folded name of a new producer
    commune: Commune
    legacy_commune: LegacyCommune | None
    group: ProductGroup | None
    row: int
    instance: Product | None = None


@dataclass
class _NewEvaluation:
    product_key: object  # an existing product id, or a (producer key, folded name) of a new product
    values: dict
    row: int


@dataclass
class ImportPlan:
    report: ImportReport
    producers: dict = field(default_factory=dict)
    products: dict = field(default_factory=dict)
    evaluations: list = field(default_factory=list)


class _Registry:
    """Existing producers, products and decisions, loaded once."""

    def __init__(self):
        self.producers = defaultdict(list)
        for producer in Producer.objects.select_related("commune").only("pk", "name", "name_key", "commune__name",
                                                                           "commune__kind"):
            self.producers[_key(producer.name)].append(producer)
        self.products = {
            (producer_id, _key(name)): pk for pk, producer_id, name in Product.objects.values_list("pk", "producer_id", "name")
        }
        self.decisions = {}
        for product_id, decision_no, proposal_no, proposed, stars in Evaluation.objects.values_list(
            "product_id", "decision_no", "proposal_no", "proposed_national", "stars"
        ):
            if decision_no:
                self.decisions[(product_id, "d", _number_key(decision_no))] = stars
            if proposed and proposal_no:
                self.decisions[(product_id, "p", _number_key(proposal_no))] = stars


_MISSING = object()


def register_plan(data: bytes, filename: str = "") -> ImportPlan:
    """Read and check the file; return what the import would write, and every error. Writes nothing."""
    report = ImportReport(filename=filename)
    plan = ImportPlan(report=report)
    try:
        records, headers = read_rows(data, filename)
    except ImportFileError as exc:
        report.error(0, "", str(exc))
        return plan

    def header(name):
        return headers.get(name) or COLUMN_BY_FIELD[name].label

    places = _Places()
    registry = _Registry()
    today = timezone.localdate()
    seen = {}  # (product key, kind, number key) → row number

    for number, record in records:
        text = {name: _cell_text(value) for name, value in record.items()}
        if not any(text.values()):
            continue
        filled_required = [name for name in REQUIRED_FIELDS if text.get(name)]
        if len(filled_required) <= 1:
            # A title or section row ("Huyện Nga Sơn", "Cộng") between the data rows.
            report.skipped_rows.append(number)
            continue
        report.data_rows += 1
        errors_before = len(report.errors)

        def err(name, message, number=number):
            report.error(number, header(name), message)

        for name in REQUIRED_FIELDS:
            if not text.get(name):
                err(name, _("Ô này không được để trống."))
        for name, limit in MAX_LENGTHS.items():
            if len(text.get(name, "")) > limit:
                err(name, _("Quá dài: tối đa %(max)s ký tự (ô này có %(n)s).") % {"max": limit, "n": len(text[name])})

        # Stars, level, decision.
        stars = None
        if text.get("stars"):
            stars = parse_stars(record["stars"])
            if stars is None:
                err("stars", _("Hạng sao phải là 3, 4 hoặc 5 (đang ghi “%(value)s”).") % {"value": text["stars"]})
        level = None
        if text.get("level"):
            level = parse_level(text["level"])
            if level is None:
                err(
                    "level",
                    _("Cấp công nhận phải là Huyện, Tỉnh hoặc Trung ương (đang ghi “%(value)s”).")
                    % {"value": text["level"]},
                )
        elif stars is not None:
            level = CouncilLevel.CENTRAL if stars == rules.NATIONAL_STARS else CouncilLevel.PROVINCE
        decision_date = None
        if text.get("decision_date"):
            decision_date = parse_date(record["decision_date"])
            if decision_date is None:
                err(
                    "decision_date",
                    _("Ngày không hợp lệ “%(value)s”: ghi dd/mm/yyyy hoặc yyyy-mm-dd.")
                    % {"value": text["decision_date"]},
                )
            elif problem := rules.decision_date_problem(decision_date=decision_date, today=today):
                err("decision_date", problem)
                decision_date = None
        decision_no = " ".join(text.get("decision_no", "").split())

        # 5 stars at the provincial level is the province's proposal to the central council; every
        # other row is a recognition, which the council at its level must be able to decide.
        is_proposal = stars == rules.NATIONAL_STARS and level == CouncilLevel.PROVINCE
        if stars is not None and level is not None and not is_proposal:
            problem = rules.recognition_level_problem(level=level, stars=stars, decision_date=decision_date)
            if problem:
                err("level", problem)

        # Score.
        score = None
        if text.get("score"):
            score = parse_score(record["score"])
            if score is None:
                err(
                    "score",
                    _("Điểm phải là số nguyên từ 0 đến %(max)s (đang ghi “%(value)s”).")
                    % {"max": rules.MAX_TOTAL, "value": text["score"]},
                )
            elif stars is not None and level is not None:
                by_points = rules.stars_for(score)
                if is_proposal:
                    if by_points != rules.NATIONAL_STARS:
                        err(
                            "score",
                            _("Đề xuất 5 sao cần từ 90 điểm; %(score)s điểm ứng với %(by_points)s sao.")
                            % {"score": score, "by_points": by_points},
                        )
                else:
                    if level != CouncilLevel.CENTRAL:
                        by_points = min(by_points, rules.BELOW_CENTRAL_MAX_STARS)
                    if by_points != stars:
                        err(
                            "score",
                            _("%(score)s điểm ứng với %(by_points)s sao, không khớp hạng sao %(stars)s sao.")
                            % {"score": score, "by_points": by_points, "stars": stars},
                        )

        # Place.
        commune = legacy = None
        if text.get("commune"):
            if text.get("district"):
                districts = places.district(text["district"])
                if not districts:
                    err(
                        "district",
                        _("Không tìm thấy huyện/thị xã/thành phố cũ “%(value)s” của Thanh Hóa.")
                        % {"value": text["district"]},
                    )
                else:
                    literal = _has_marks(text["commune"], text["district"])
                    found = places.legacy_commune(text["commune"], districts, literal)
                    if len(found) == 1:
                        legacy = found[0]
                        commune = legacy.successor
                    elif len(found) > 1:
                        names = "; ".join(_describe_legacy(u) for u in found)
                        err(
                            "commune",
                            _("“%(value)s” khớp nhiều đơn vị: %(names)s. Hãy ghi đúng tên có dấu.")
                            % {"value": text["commune"], "names": names},
                        )
                    else:
                        elsewhere = places.legacy_commune_anywhere(text["commune"])
                        hint = ""
                        if elsewhere:
                            hint = " " + _("Có đơn vị cùng tên ở: %(names)s.") % {
                                "names": "; ".join(_describe_legacy(u) for u in elsewhere[:5])
                            }
                        district_names = ", ".join(str(d) for d in districts)
                        err(
                            "commune",
                            _("Không tìm thấy xã “%(value)s” thuộc %(districts)s.") % {
                                "value": text["commune"], "districts": district_names,
                            } + hint,
                        )
            else:
                found = places.commune(text["commune"])
                if len(found) == 1:
                    commune = found[0]
                elif len(found) > 1:
                    names = "; ".join(_("%(unit)s (mã %(code)s)") % {"unit": c, "code": c.code} for c in found)
                    err(
                        "commune",
                        _("“%(value)s” khớp nhiều xã/phường: %(names)s. Hãy ghi rõ “Xã …” hoặc “Phường …”.")
                        % {"value": text["commune"], "names": names},
                    )
                else:
                    err(
                        "commune",
                        _(
                            "Không có xã/phường hiện nay tên “%(value)s”. "
                            "Nếu đây là xã cũ (trước 01/07/2025), hãy ghi thêm cột “Huyện”."
                        ) % {"value": text["commune"]},
                    )

        # Group.
        group = None
        if text.get("group"):
            group = places.group(text["group"])
            if group is None:
                err(
                    "group",
                    _("Không nhận ra nhóm sản phẩm “%(value)s”: ghi mã như “I.3” hoặc tên nhóm.")
                    % {"value": text["group"]},
                )

        # Producer kind.
        kind = None
        if text.get("producer_kind"):
            kind = parse_producer_kind(text["producer_kind"])
            if kind is None:
                err(
                    "producer_kind",
                    _(
                        "Không nhận ra loại hình “%(value)s”: ghi Doanh nghiệp, Hợp tác xã, "
                        "Tổ hợp tác hoặc Hộ sản xuất kinh doanh."
                    ) % {"value": text["producer_kind"]},
                )

        # Producer and product.
        producer_name = " ".join(text.get("producer", "").split())
        product_name = " ".join(text.get("product", "").split())
        producer_key = product_key = None
        new_producer = new_product = False
        if producer_name:
            fkey = _key(producer_name)
            existing = registry.producers.get(fkey, [])
            if len(existing) > 1:
                names = "; ".join(f"{p.name} ({p.commune})" for p in existing)
                err(
                    "producer",
                    _("Có nhiều chủ thể cùng tên trong sổ: %(names)s. Hãy gộp hoặc đổi tên trong trang quản trị.")
                    % {"names": names},
                )
            elif existing:
                producer_key = existing[0].pk
            elif not fkey:
                err("producer", _("Tên chủ thể không hợp lệ."))
            else:
                producer_key = fkey
                new_producer = fkey not in plan.producers
                if new_producer and commune is not None:
                    plan.producers[fkey] = _NewProducer(
                        name=producer_name, kind=kind or infer_producer_kind(producer_name), commune=commune, row=number
                    )
                    report.created_producers += 1
        if producer_key is not None and product_name:
            pkey = _key(product_name)
            if not pkey:
                err("product", _("Tên sản phẩm không hợp lệ."))
            elif isinstance(producer_key, int) and (producer_key, pkey) in registry.products:
                product_key = registry.products[(producer_key, pkey)]
            else:
                product_key = (producer_key, pkey)
                new_product = product_key not in plan.products
                if new_product and commune is not None and len(report.errors) == errors_before:
                    plan.products[product_key] = _NewProduct(
                        name=product_name, producer_key=producer_key, commune=commune,
                        legacy_commune=legacy, group=group, row=number,
                    )
                    report.created_products += 1

        if len(report.errors) > errors_before:
            continue

        # The decision.
        number_kind = "p" if is_proposal else "d"
        nkey = _number_key(decision_no)
        place = f"{legacy} → {commune}" if legacy else str(commune)
        row_plan = RowPlan(
            row=number, product=product_name, producer=producer_name, place=place, stars=stars, level=level,
            decision_no=decision_no, decision_date=decision_date, action="create", is_proposal=is_proposal,
            new_producer=new_producer, new_product=new_product,
        )
        existing_stars = _MISSING
        if isinstance(product_key, int):
            existing_stars = registry.decisions.get((product_key, number_kind, nkey), _MISSING)
        seen_key = (product_key, number_kind, nkey)
        if seen_key in seen:
            first = seen[seen_key]
            if first[1] != stars:
                err(
                    "decision_no",
                    _("Dòng %(row)s đã ghi quyết định này cho sản phẩm này với %(stars)s sao.")
                    % {"row": first[0], "stars": first[1]},
                )
                continue
            row_plan.action = "unchanged"
            row_plan.note = _("Trùng dòng %(row)s.") % {"row": first[0]}
            report.unchanged_rows += 1
        elif existing_stars is not _MISSING:
            row_plan.action = "unchanged"
            report.unchanged_rows += 1
            expected = rules.BELOW_CENTRAL_MAX_STARS if is_proposal else stars
            if existing_stars != expected:
                row_plan.note = _("Sổ đang ghi %(stars)s sao; giữ nguyên bản ghi trong sổ.") % {"stars": existing_stars}
                report.warnings.append(
                    RowError(
                        number,
                        header("stars"),
                        _(
                            "Quyết định %(decision)s đã có trong sổ với %(existing)s sao; tệp ghi %(stars)s sao. "
                            "Giữ nguyên bản ghi trong sổ."
                        ) % {"decision": decision_no, "existing": existing_stars, "stars": stars},
                    )
                )
        else:
            seen[seen_key] = (number, stars)
            notes = [f"Nhập từ danh sách {filename or 'tệp'}, dòng {number}."]
            if score is not None:
                notes.append(f"Tổng điểm theo danh sách: {score}.")
            values = {
                "level": level,
                "rule_set": rules.rule_set_for(decision_date),
                "notes": " ".join(notes),
            }
            if is_proposal:
                values.update(
                    status=Evaluation.Status.SCORED, declared_stars=rules.BELOW_CENTRAL_MAX_STARS,
                    proposed_national=True, proposal_no=decision_no, proposal_date=decision_date,
                )
            else:
                values.update(
                    status=Evaluation.Status.RECOGNISED, declared_stars=stars,
                    decision_no=decision_no, decision_date=decision_date,
                )
            plan.evaluations.append(_NewEvaluation(product_key=product_key, values=values, row=number))
            report.created_evaluations += 1
        report.rows.append(row_plan)
    return plan


# --- Writing --------------------------------------------------------------------------------


def _unique_slug(name: str, taken: set, max_length: int = 240) -> str:
    """The same slug :func:`products.models.unique_slug` gives, against an in-memory set."""
    base = vietnamese_slug(name)[:max_length].strip("-") or "san-pham"
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def _assign_codes(products):
    """Number new products by primary key (``Product.code_for``) in one UPDATE rather than one per row."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat, LPad

    for product in products:
        product.code = Product.code_for(product.pk)
    width = len(Product.code_for(0)) - len(Product.CODE_PREFIX)
    short = [p for p in products if len(p.code) == len(Product.CODE_PREFIX) + width]
    if short:
        Product.objects.filter(pk__in=[p.pk for p in short]).update(
            code=Concat(Value(Product.CODE_PREFIX), LPad(Cast("pk", CharField()), width, Value("0")))
        )
    # LPad would cut longer numbers: those (past 999,999) are updated row by row.
    long = [p for p in products if len(p.code) != len(Product.CODE_PREFIX) + width]
    Product.objects.bulk_update(long, ["code"], batch_size=BATCH_SIZE)


@transaction.atomic
def _write(plan: ImportPlan, *, user=None, reason: str):
    history_kwargs = {"default_user": user, "default_change_reason": reason, "batch_size": BATCH_SIZE}

    taken = set(Producer.objects.values_list("slug", flat=True))
    producers = []
    for new in plan.producers.values():
        new.instance = Producer(
            name=new.name, name_key=fold(new.name), slug=_unique_slug(new.name, taken), kind=new.kind,
            commune=new.commune,
        )
        producers.append(new.instance)
    Producer.objects.bulk_create(producers, batch_size=BATCH_SIZE)
    Producer.history.bulk_history_create(producers, **history_kwargs)

    def producer_id(key):
        return key if isinstance(key, int) else plan.producers[key].instance.pk

    taken = set(Product.objects.values_list("slug", flat=True))
    products = []
    for new in plan.products.values():
        new.instance = Product(
            name=new.name, name_key=fold(new.name), slug=_unique_slug(new.name, taken),
            producer_id=producer_id(new.producer_key), commune=new.commune, legacy_commune=new.legacy_commune,
            group=new.group, code=provisional_code(),
        )
        products.append(new.instance)
    Product.objects.bulk_create(products, batch_size=BATCH_SIZE)
    _assign_codes(products)
    Product.history.bulk_history_create(products, **history_kwargs)

    def product_id(key):
        return key if isinstance(key, int) else plan.products[key].instance.pk

    evaluations = [Evaluation(product_id=product_id(new.product_key), **new.values) for new in plan.evaluations]
    Evaluation.objects.bulk_create(evaluations, batch_size=BATCH_SIZE)
    Evaluation.history.bulk_history_create(evaluations, **history_kwargs)
    recognitions_resequence(product_ids={evaluation.product_id for evaluation in evaluations})


def register_import(data: bytes, filename: str = "", *, dry_run: bool = False, user=None) -> ImportReport:
    """Import a council's list. Writes everything, or, if any row is invalid (or ``dry_run``), nothing."""
    plan = register_plan(data, filename)
    report = plan.report
    if report.ok and not dry_run:
        _write(plan, user=user, reason=f"Nhập danh sách: {filename or 'tệp'}"[:100])
        report.written = True
    return report
