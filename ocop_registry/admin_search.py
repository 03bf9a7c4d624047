"""Admin search that ignores case and diacritics, identically on SQLite and PostgreSQL.

"nuoc mam" finds "Nước mắm" and "dau" finds "Dầu": each word of the search is folded with
:func:`products.normalise.fold` and compared with the folded ``name_key`` columns (``contains``),
so no database collation or extension is involved. Codes and decision numbers are matched as
typed (``icontains``), so "5445" finds "5445/QĐ-UBND" and "000123" finds "OCOP-38-000123".

Like Django's own admin search, every word must match (in any of the fields). The mixin replaces
``get_search_results``, which Django also uses for ``autocomplete_fields``, so autocomplete
boxes behave the same way.
"""

from django.contrib.admin.utils import lookup_spawns_duplicates
from django.db.models import Q
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from products.normalise import fold

SEARCH_HELP = _(
    "Tìm không phân biệt hoa thường và dấu: “nuoc mam” tìm được “Nước mắm”, “dau” tìm được “Dầu”. "
    "Có thể tìm theo mã hoặc số quyết định."
)


def search_words(search_term: str) -> list[str]:
    """The words of a search, with "quoted phrases" kept together (as Django's admin does)."""
    words = []
    for bit in smart_split(search_term or ""):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1] and len(bit) > 1:
            bit = unescape_string_literal(bit)
        bit = bit.strip()
        if bit:
            words.append(bit)
    return words


class FoldedSearchMixin:
    """For models with folded ``name_key`` columns (on the model or across relations).

    ``folded_search_fields``: paths to folded columns, e.g. ``("name_key", "producer__name_key")``.
    ``code_search_fields``: paths to code-like columns matched as typed (``icontains``).
    """

    folded_search_fields: tuple[str, ...] = ("name_key",)
    code_search_fields: tuple[str, ...] = ()
    # Django shows the search box (and allows autocomplete) only when search_fields is set;
    # the lookups themselves come from the two tuples above.
    search_fields = ("name_key",)
    search_help_text = SEARCH_HELP

    def get_search_results(self, request, queryset, search_term):
        words = search_words(search_term)
        if not words:
            return queryset, False
        condition = Q()
        for word in words:
            folded = fold(word)
            matches_word = Q()
            for path in self.folded_search_fields:
                matches_word |= Q(**{f"{path}__contains": folded})
            for path in self.code_search_fields:
                matches_word |= Q(**{f"{path}__icontains": word})
            condition &= matches_word
        may_have_duplicates = any(
            lookup_spawns_duplicates(self.opts, path) for path in (*self.folded_search_fields, *self.code_search_fields)
        )
        return queryset.filter(condition), may_have_duplicates


class FoldedTextSearchMixin:
    """For the small reference tables without a folded column (groups, sectors, phases, targets).

    Folds the listed text columns in Python: one query over a table of a few dozen rows, and
    the same result on every database.
    """

    text_search_fields: tuple[str, ...] = ("name",)
    search_fields = ("pk",)
    search_help_text = SEARCH_HELP

    def get_search_results(self, request, queryset, search_term):
        words = [fold(word) for word in search_words(search_term)]
        if not words:
            return queryset, False
        matching = [
            pk
            for pk, *texts in queryset.values_list("pk", *self.text_search_fields)
            if all(any(word in fold(str(text or "")) for text in texts) for word in words)
        ]
        return queryset.filter(pk__in=matching), False
