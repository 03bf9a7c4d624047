"""Folding Vietnamese text for matching: case, diacritics, "đ" and spacing.

"Nước  Mắm" and "nuoc mam" fold to the same key, so search and import matching
behave the same on SQLite and PostgreSQL: the folded key is stored beside the
name and compared with plain ``contains``/``exact`` lookups.
"""

import re
import unicodedata

from django.utils.text import slugify

_SPACES = re.compile(r"\s+")
_D_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip diacritics (including đ → d) and collapse spaces."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_D_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text).strip().lower()


def vietnamese_slug(text: str) -> str:
    """A URL slug for a Vietnamese name: "Nước mắm Lê Gia" → "nuoc-mam-le-gia"."""
    return slugify(fold(text))
