"""Catalogue text search, the same on PostgreSQL and SQLite.

A product matches the folded query (``normalise.fold``: case, diacritics and đ ignored) when

* every word of the query is a substring of one of its folded names (the product's, its producer's, its
  current commune's or its commune as recorded before 2025), as the catalogue always searched; or
* when no product of the list matches that way, the query (of at most :data:`MAX_SIMILAR_WORDS` words) is
  *word-similar* to one of those names: pg_trgm's ``word_similarity(query, name)`` reaches
  :data:`WORD_SIMILARITY_THRESHOLD` (0.6). This is what forgives a typo ("nuoc mma" finds "Nước mắm …";
  "nuoc xyz" does not). Asking for similar names only when the words themselves are found nowhere keeps a
  search as cheap as a substring test whenever the query is spelled as in the registry (the similarity costs
  the database about 10 µs a name, a substring test a fraction of that), and a typo's answer is the same.

Results are ranked by ``word_similarity(query, product name)`` (annotated as ``search_rank``, 0–1), then
by the list's own order. A name holding the query's words together, as written, ranks 1 without computing it.

PostgreSQL answers the similarity with pg_trgm's ``<%`` operator over GIN trigram indexes on the folded name
columns (``migrations/0005_search_trigram.py``). SQLite has no pg_trgm, so the same two SQL functions are
registered on each SQLite connection, written in Python from pg_trgm's documented definitions
(:func:`word_similarity`); the ORM expressions below render the same query for both databases.
"""

import re
import struct
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import BooleanField, Case, CharField, F, FloatField, Func, Lookup, Q, Subquery, Value, When
from django.db.models.functions import Concat
from django.db.models.lookups import Contains

from . import search_names
from .models import Commune, LegacyCommune, Producer, Product
from .normalise import fold

# A longer query is cut rather than refused: nothing longer can match a name.
MAX_QUERY_CHARS = 100
# Typos are forgiven in queries of at most this many words: a name seldom has more, and the similarity of a
# longer query costs the database far more (each word adds trigrams to look up) for little use.
MAX_SIMILAR_WORDS = 6
# pg_trgm's default ``pg_trgm.word_similarity_threshold``, which its ``<%`` operator reads on PostgreSQL.
# SQLite uses this number; leave the server setting at its default so that both agree.
WORD_SIMILARITY_THRESHOLD = 0.6

# The folded names searched besides the product's own: the product field that reaches each.
RELATED_NAMES = (("producer", Producer), ("commune", Commune), ("legacy_commune", LegacyCommune))


def search_key(text: str) -> str:
    """The folded, length-capped form of a query (NUL, which PostgreSQL refuses in text, dropped)."""
    return fold((text or "")[: MAX_QUERY_CHARS * 4].replace("\x00", ""))[:MAX_QUERY_CHARS]


def search_products(queryset, query: str):
    """Products of ``queryset`` matching ``query`` (see the module's docstring), annotated with
    ``search_rank`` and ordered by it, best first, then by the queryset's own ordering.

    An empty query (after folding) returns ``queryset`` unchanged. One query asks whether the words are found in
    ``queryset`` (when the query is short enough to forgive a typo); the filter is then either the words or the
    similarity, never both. A later ``order_by`` (an explicit ordering chosen by the user) replaces the ranking;
    the filter stays.
    """
    key = search_key(query)
    if not key:
        return queryset
    matched = _words_found(_distinct_words(key))
    if len(key.split(" ")) <= MAX_SIMILAR_WORDS and not queryset.filter(matched).exists():
        # Asked apart, not as a NOT EXISTS inside the filter: the filter is repeated in each of the list's facet
        # counts, and PostgreSQL planned their UNION around the subquery badly (5 s instead of 0.5 s at 100,000).
        matched = _any_name(WordSimilar(F("name_key"), Value(key)), own_name_in_subquery=True)
    ordering = queryset.query.order_by or (queryset.model._meta.ordering if queryset.query.default_ordering else ())
    return queryset.filter(matched).annotate(search_rank=_rank(key)).order_by("-search_rank", *ordering)


def _words_found(words) -> Q:
    """Every word is in one of the product's names: read from the search's derived names (one column, a trigram
    index on PostgreSQL: ``products.search_names``) while they are current, else tested on the names themselves."""
    products = search_names.matching(words)
    if products is not None:
        return Q(AmongIds(F("pk"), products))
    matched = Q()
    for word in words:
        matched &= _any_name(Q(name_key__contains=word))
    return matched


def _rank(key: str):
    """``word_similarity(key, product name)``; 1 straight away when the name holds the key's words together
    (what the function would answer, and the usual case)."""
    spaced = Concat(Value(" "), F("name_key"), Value(" "), output_field=CharField())
    return Case(
        When(Contains(spaced, f" {key} "), then=Value(1.0)),
        default=WordSimilarity(Value(key), F("name_key")),
        output_field=FloatField(),
    )


def _any_name(condition, *, own_name_in_subquery=False) -> Q:
    """``condition`` (on a ``name_key``) holds for the product's name or a related name.

    Related names are tested once each in a subquery (there are fewer of them than products, and PostgreSQL
    reads the subquery from their trigram index); the product's own name in place, or also through a
    subquery so that PostgreSQL can read its index too (the similarity operator, dearer than ``LIKE``).
    """
    if own_name_in_subquery:
        matched = Q(pk__in=Product._base_manager.filter(condition).values("pk"))
    else:
        matched = Q(condition)
    for field, model in RELATED_NAMES:
        matched |= Q(**{f"{field}__in": model._base_manager.filter(condition).values("pk")})
    return matched


def _distinct_words(key: str) -> list:
    """The query's words without repeats or words inside another word ("nuoc nuo" needs only "nuoc"):
    the same matches, fewer conditions."""
    kept = []
    for word in sorted(set(key.split(" ")), key=lambda w: (-len(w), w)):
        if not any(word in longer for longer in kept):
            kept.append(word)
    return kept


# --- Database expressions ----------------------------------------------------------------------------


class AmongIds(Func):
    """``column IN (subquery)``; on PostgreSQL ``column = ANY(ARRAY(subquery))``: the subquery runs once, before
    the query, and the products are read by their primary key from its ids, whatever the order of the query's
    joins (``join_collapse_limit``, ``ocop_registry.settings``) would make of a semi-join."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column, ids):
        super().__init__(column, Subquery(ids))

    def as_sql(self, compiler, connection, template="%(column)s IN %(ids)s", **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        ids, ids_params = compiler.compile(self.source_expressions[1])  # "(SELECT …)"
        return template % {"column": column, "ids": ids}, (*column_params, *ids_params)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="%(column)s = ANY(ARRAY%(ids)s)", **extra_context)


class WordSimilarity(Func):
    """``word_similarity(query, text)``: pg_trgm's function on PostgreSQL, the Python one on SQLite."""

    function = "WORD_SIMILARITY"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        register_sqlite_functions(connection)
        return self.as_sql(compiler, connection, **extra_context)


class WordSimilar(Lookup):
    """``query <% text``: ``word_similarity(query, text)`` reaches the threshold.

    Built as ``WordSimilar(text, query)``, ``text`` being a folded (lower-case) name column. PostgreSQL
    answers the operator from a GIN ``gin_trgm_ops`` index on the column; ``word_similarity(...) >= x``
    could not use it. SQLite calls Python only for the names that contain enough pieces of the query for
    the similarity to be possible (:func:`necessary_substrings`), which SQLite tests itself.
    """

    lookup_name = "word_similar"  # not registered on any field; used as an expression

    def as_postgresql(self, compiler, connection):
        text, text_params = compiler.compile(self.lhs)
        query, query_params = compiler.compile(self.rhs)
        return f"{query} <%% {text}", (*query_params, *text_params)

    def as_sqlite(self, compiler, connection):
        register_sqlite_functions(connection)
        text, text_params = compiler.compile(self.lhs)
        query, query_params = compiler.compile(self.rhs)
        sql, params = f"TRGM_WORD_SIMILAR({query}, {text})", [*query_params, *text_params]
        pieces = necessary_substrings(self.rhs.value) if isinstance(self.rhs, Value) else []
        if pieces:
            possible = " OR ".join(f"INSTR({text}, %s) > 0" for _piece in pieces)
            sql = f"CASE WHEN {possible} THEN {sql} ELSE 0 END"
            params = [param for piece in pieces for param in (*text_params, piece)] + params
        return sql, tuple(params)


def register_sqlite_functions(connection) -> None:
    """Give a SQLite connection ``WORD_SIMILARITY`` and ``TRGM_WORD_SIMILAR`` (once per connection).

    Called while a query using them is compiled, just before it runs on that connection; a reconnection
    gets them again.
    """
    connection.ensure_connection()
    raw = connection.connection
    if getattr(connection, "_search_functions_on", None) is raw:
        return
    raw.create_function("WORD_SIMILARITY", 2, _sql_word_similarity, deterministic=True)
    raw.create_function("TRGM_WORD_SIMILAR", 2, _sql_word_similar, deterministic=True)
    connection._search_functions_on = raw


def _sql_word_similarity(query, text):
    if query is None or text is None:
        return None
    return word_similarity(query, text)


def _sql_word_similar(query, text):
    if query is None or text is None:
        return None
    return word_similar(query, text)


# --- pg_trgm in Python ---------------------------------------------------------------------------------
# From pg_trgm's documentation: the text is lower-cased and split into words (runs of letters and digits);
# each word is padded with two spaces before and one after and cut into its trigrams ("  m", " ma", "mam",
# "am "). The similarity of two sets of trigrams is shared / all distinct ones; word_similarity(a, b) is the
# greatest similarity between the trigrams of ``a`` and those of a continuous extent of ``b``'s ordered
# trigrams. Results are float4 (``real``) in PostgreSQL, so they are rounded to single precision here.

_ASCII_WORD = re.compile(r"[a-z0-9]+")
_WORD_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl"})


def _words(text: str) -> list:
    """pg_trgm's words: runs of letters and digits (Unicode letters, decimal digits and letter numbers;
    glibc also counts a few combining vowel signs and circled letters, which folded names never hold)."""
    text = text.lower()
    if text.isascii():
        return _ASCII_WORD.findall(text)
    words, current = [], []
    for ch in text:
        if unicodedata.category(ch) in _WORD_CATEGORIES:
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _trigram_list(text: str) -> list:
    """The trigrams of ``text`` in order, word after word (repeats kept)."""
    return [padded[i : i + 3] for word in _words(text) for padded in (f"  {word} ",) for i in range(len(word) + 1)]


def _padded(text: str) -> str:
    """The text's words, each padded as for its trigrams: "  nuoc   mam ". A trigram is among the text's
    exactly when it is a substring of this (its other substrings, "c  " and "   ", are never trigrams),
    which C tests faster than Python lists the text's trigrams."""
    return "  " + "   ".join(_words(text)) + " "


def _real(value: float) -> float:
    """``value`` rounded to PostgreSQL's ``real`` (float4)."""
    return struct.unpack("f", struct.pack("f", value))[0]


@dataclass(frozen=True)
class _Query:
    trigrams: frozenset
    listed: tuple  # the same trigrams, to count quickly
    phrase: str  # the padded words: in a text's padded words, the query's words stand together there
    enough: int  # the fewest shared trigrams whose share reaches the threshold


@lru_cache(maxsize=64)
def _query(text: str) -> _Query:
    trigrams = frozenset(_trigram_list(text))
    size = len(trigrams)
    enough = next((n for n in range(size + 1) if _real(n / size) >= WORD_SIMILARITY_THRESHOLD), size) if size else 1
    return _Query(trigrams, tuple(sorted(trigrams)), _padded(text), enough)


def _shared(query: _Query, padded: str) -> int:
    return len([1 for trigram in query.listed if trigram in padded])


def word_similarity(query: str, text: str) -> float:
    """pg_trgm's ``word_similarity(query, text)``: the best similarity of the query's trigrams to any
    continuous extent of the text's trigrams.

    Two common cases need no search: one shared trigram at most (0, or 1 / the query's trigram count), and
    the query's words standing together in the text (1).
    """
    wanted = _query(query)
    if not wanted.trigrams:
        return 0.0
    padded = _padded(text)
    found = _shared(wanted, padded)
    if found <= 1:
        return _real(found / len(wanted.trigrams))
    if wanted.phrase in padded:
        return 1.0
    return _real(_best_extent(wanted.trigrams, _trigram_list(text)))


def word_similar(query: str, text: str) -> bool:
    """``query <% text``: ``word_similarity(query, text) >= WORD_SIMILARITY_THRESHOLD``.

    Most names share too few trigrams with the query to reach the threshold whatever the extent (the share of
    the query's trigrams found anywhere in the text bounds the similarity), and that is quick to count.
    """
    wanted = _query(query)
    if not wanted.trigrams:
        return False
    padded = _padded(text)
    if _shared(wanted, padded) < wanted.enough:
        return False
    if wanted.phrase in padded:
        return True
    return _real(_best_extent(wanted.trigrams, _trigram_list(text))) >= WORD_SIMILARITY_THRESHOLD


def necessary_substrings(query: str) -> list:
    """Pieces of the query of which a text must contain one for ``word_similar(query, text)`` to hold.

    The text must share ``enough`` of the query's ``n`` trigrams, so it shares one of any ``n - enough + 1``
    of them; a shared trigram's letters ("mam" for " mam", "ma" for " ma", "m" for "  m") stand in the text.
    The trigrams with the longest letters are chosen, being the rarest; a piece containing another adds
    nothing. An empty list when the query has no trigram (nothing is similar).
    """
    wanted = _query(query)
    if not wanted.trigrams:
        return []
    chosen = sorted(wanted.trigrams, key=lambda t: (-len(t.strip()), t))[: len(wanted.trigrams) - wanted.enough + 1]
    pieces = sorted({t.strip() for t in chosen}, key=lambda p: (len(p), p))
    kept = []
    for piece in pieces:
        if not any(shorter in piece for shorter in kept):
            kept.append(piece)
    return kept


def _best_extent(wanted: frozenset, trigrams: list) -> float:
    """The best similarity of ``wanted`` to a continuous run of ``trigrams``.

    The best run starts and ends on a trigram of ``wanted`` (trimming others only helps), so only those starts
    are tried, each extended to the right; the wanted trigrams left after a start bound what any run from
    there can reach, which ends the search early.
    """
    size = len(wanted)
    shared_at = [t in wanted for t in trigrams]
    # left[i]: distinct wanted trigrams in trigrams[i:]
    left, seen = [0] * len(trigrams), set()
    for i in range(len(trigrams) - 1, -1, -1):
        if shared_at[i]:
            seen.add(trigrams[i])
        left[i] = len(seen)
    best = 0.0
    for start, shared_here in enumerate(shared_at):
        if not shared_here:
            continue
        if left[start] / size <= best:
            break  # no run from here on can do better
        seen, shared = set(), 0
        for end in range(start, len(trigrams)):
            trigram = trigrams[end]
            if trigram not in seen:
                seen.add(trigram)
                if shared_at[end]:
                    shared += 1
            if shared_at[end]:
                score = shared / (size + len(seen) - shared)
                if score > best:
                    best = score
    return best
