"""Parsing cells: the text of a cell, and the values a council writes (stars, level, score, date, kind)."""

import datetime
import re
import unicodedata

from products.models import Producer
from products.normalise import fold

from .. import rules
from ..rules import CouncilLevel


def cell_text(value) -> str:
    """A cell as trimmed NFC text ("" for an empty cell; 4.0 reads "4")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def name_key(text: str) -> str:
    """Folded, punctuation as spaces: the key units, groups and names are compared by."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def number_key(text: str) -> str:
    """A decision number compared ignoring case, diacritics and spacing ("5445/QĐ-UBND" = "5445/qd-ubnd")."""
    return re.sub(r"\s+", "", fold(text))


def has_marks(*texts: str) -> bool:
    """Whether the text is written with Vietnamese diacritics (so a name without marks is meant literally)."""
    return any(fold(text) != text.lower() for text in texts if text)


# --- Producer kind --------------------------------------------------------------------------


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


def parse_producer_kind(text: str) -> str | None:
    key = name_key(text)
    if key in _KIND_BY_ALIAS:
        return _KIND_BY_ALIAS[key]
    if key.startswith("cong ty"):
        return Producer.Kind.ENTERPRISE
    return None


def infer_producer_kind(name: str) -> str:
    """A new producer's kind from its name ("Công ty…", "HTX…", "THT…"); otherwise a household."""
    key = name_key(name) + " "
    for prefix, kind in _KIND_PREFIXES:
        if key.startswith(prefix):
            return kind
    return Producer.Kind.HOUSEHOLD


# --- Level, stars, score, date --------------------------------------------------------------


_LEVEL_ALIASES = {
    CouncilLevel.DISTRICT: ("huyen", "cap huyen", "district", "ubnd huyen"),
    CouncilLevel.PROVINCE: ("tinh", "cap tinh", "province", "ubnd tinh"),
    CouncilLevel.CENTRAL: ("trung uong", "cap trung uong", "tw", "central", "quoc gia", "cap quoc gia"),
}
_LEVEL_BY_ALIAS = {alias: level for level, aliases in _LEVEL_ALIASES.items() for alias in aliases}


def parse_level(text: str) -> str | None:
    return _LEVEL_BY_ALIAS.get(name_key(text))


def parse_stars(value) -> int | None:
    """3, 4 or 5 from "4", 4, 4.0, "4 sao", "4★" or "★★★★"; None otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return int(number) if number.is_integer() and int(number) in rules.CERTIFIED_STARS else None
    text = cell_text(value)
    if text and set(text) == {"★"}:
        count = len(text)
    else:
        match = re.fullmatch(r"([0-9])(?:[.,]0+)?\s*(?:sao|★|\*)?", fold(text))
        if match is None:
            return None
        count = int(match.group(1))
    return count if count in rules.CERTIFIED_STARS else None


def parse_score(value) -> int | None:
    """A whole total out of 100, or None when it is not one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = cell_text(value).replace(",", ".")
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
    text = cell_text(value)
    text = text.split(" ")[0] if re.fullmatch(r"\S+ 00:00(:00)?", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
