"""Catalogue reads: the public's view of the registry.

A product is in the public catalogue when it is published and has at least one recognition decision
(an evaluation recognised, or recognised and revoked since) dated on or before the day asked about.
Its public stars and certificate are those of its **latest** recognition (DOMAIN.md); provincial
proposals for 5 stars, drafts and scored-but-undecided evaluations are never certifications.

Each read is one SQL statement (``communes_with_counts`` two). As of today (every public page) the latest
recognition is the product's own current-recognition columns (``Product.current_*``, kept by
``evaluations.services.recognitions_resequence``): no join. For a past day it is a plain join condition
(:func:`evaluations.models.latest_on_condition`, thanks to the derived ``Evaluation.superseded_on``).
Either way the rows carry the same ``cert_*`` names, and tallies are grouped aggregates.
"""

import datetime
import functools
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import ExtractYear
from django.utils import timezone

from evaluations import rules
from evaluations.models import Evaluation, latest_on_condition, revoked_on_expression
from evaluations.selectors import reads_current
from ocop_registry import data_version

from .models import Commune, LegacyDistrict, Producer, Product, ProductGroup

CertificateStatus = rules.CertificateStatus


def today() -> datetime.date:
    return timezone.localdate()


def certificate_status_expression(day: datetime.date):
    """The certificate status (``rules.CertificateStatus``) of the rows' ``cert_*`` columns on ``day``."""
    return rules.certificate_status_expression(day, decision_date="cert_decision_date", revoked_on="cert_revoked_on")


def _latest_columns(day: datetime.date):
    """Published products with a recognition decided by ``day``, and the ``cert_*`` columns of the latest one."""
    published = Product.objects.published()
    if reads_current(day):
        # The latest recognition of all is the latest as of today (decisions are never dated in the future): the
        # product's own columns. A decision dated later than ``day`` all the same (a clock or data error) never shows.
        return published.filter(current_decision_date__lte=day).annotate(
            cert_id=F("current_recognition_id"),
            cert_stars=F("current_stars"),
            cert_decision_no=F("current_decision_no"),
            cert_decision_date=F("current_decision_date"),
            cert_revoked_on=F("current_revoked_on"),
        )
    # A past day: join each product to exactly one evaluation, its latest recognition on the day (a plain
    # condition thanks to Evaluation.superseded_on), and read that evaluation's columns directly.
    return (
        published.filter(latest_on_condition(day, through="evaluations__"))
        .annotate(
            cert_id=F("evaluations__pk"),
            cert_stars=F("evaluations__stars"),
            cert_decision_no=F("evaluations__decision_no"),
            cert_decision_date=F("evaluations__decision_date"),
            cert_state=F("evaluations__status"),
            cert_revocation_date=F("evaluations__revocation_date"),
        )
        .annotate(cert_revoked_on=revoked_on_expression(status="cert_state", revocation_date="cert_revocation_date"))
    )


def catalogue_products(*, day: datetime.date | None = None):
    """Published products with a recognition decided by ``day`` (default today), annotated with
    their latest recognition: ``cert_id``, ``cert_stars``, ``cert_decision_no``, ``cert_decision_date``,
    ``cert_revoked_on`` (the revocation's date if it was revoked), ``cert_status`` (``rules.CertificateStatus``
    on the day) and ``cert_year``.

    Every status is included (valid, expiring, expired, revoked); filter with
    :func:`with_certificate_status`. Related rows shown on lists are joined, so that a page of
    any size is one query.

    A fresh clone of a queryset built once per day in each process (as a view's class-level ``queryset`` is
    cloned for each request): building the annotations cost an API list request a third of its time.
    """
    return _catalogue_products(day or today(), today()).all()


@functools.lru_cache(maxsize=8)
def _catalogue_products(day: datetime.date, on: datetime.date):
    """Keyed by the day the query is built (``on``) as well: whether ``day`` reads the current columns does."""
    return (
        _latest_columns(day)
        .annotate(cert_status=certificate_status_expression(day), cert_year=ExtractYear("cert_decision_date"))
        .select_related("producer", "commune", "group__parent", "legacy_commune__district")
        .order_by("-cert_decision_date", "name_key", "pk")
    )


# What a product card (``catalogue.product_cards``) shows besides the product: fewer joins and model instances
# than ``catalogue_products`` selects for a product's own page.
CARD_RELATED = ("producer", "commune", "group")


def as_cards(queryset):
    """Catalogue products with only what their cards show joined."""
    return queryset.select_related(None).select_related(*CARD_RELATED)


def decision_year(*, until: datetime.date, field: str = "cert_decision_date"):
    """The year of ``field`` (``ExtractYear``), spelled as date comparisons for the programme's years up to
    ``until``'s: SQLite computes ``ExtractYear`` in Python, row by row; any other date falls back to it."""
    years = range(until.year, rules.OCOP_START.year - 1, -1)
    return Case(
        *(When(**{f"{field}__range": (datetime.date(y, 1, 1), datetime.date(y, 12, 31))}, then=Value(y))
          for y in years),
        default=ExtractYear(field),
        output_field=IntegerField(),
    )


def certificate_status_condition(status: str, *, day: datetime.date) -> Q:
    """Catalogue products of ``day`` whose certificate has ``status`` (the rules' conditions over their ``cert_*``
    columns, which the database can use an index for); ``valid`` includes those expiring soon (the public "valid",
    ``rules.public_certificate_status``); any other value, every product."""
    conditions = rules.certificate_status_conditions(
        day, decision_date="cert_decision_date", revoked_on="cert_revoked_on"
    )
    if status == CertificateStatus.VALID:
        return conditions[rules.CERTIFICATE_IN_FORCE]
    return conditions.get(status, Q())


def with_certificate_status(queryset, status: str, *, day: datetime.date | None = None):
    """Narrow catalogue products of ``day`` (default today) to a certificate status; ``valid`` includes those
    expiring soon."""
    return queryset.filter(certificate_status_condition(status, day=day or today()))


def valid_until(decision_date: datetime.date | None):
    return rules.certificate_valid_until(decision_date) if decision_date else None


def rating_history(*, day: datetime.date | None = None):
    """A Prefetch of each product's recognition decisions (newest first) as ``recognitions``."""
    day = day or today()
    return Prefetch(
        "evaluations",
        queryset=Evaluation.objects.decided_by(day).newest_first(),
        to_attr="recognitions",
    )


# What a product's own page shows besides the product.
DETAIL_RELATED = ("producer", "commune", "group__parent", "legacy_commune__district")


def catalogue_product_detail(*, slug: str, day: datetime.date | None = None) -> Product | None:
    """One catalogue product by slug, or None if not public: with the ``cert_*`` attributes of
    :func:`catalogue_products`, its rating history (``recognitions``, newest first) and its images (``gallery``).

    Three small queries. As of today (every public page) the certificate is the product's current-recognition
    columns and its status is computed in Python by the same rule (``rules.certificate_status``), which spares a
    product page compiling the catalogue's annotations, ordering and prefetches: a third of its cost."""
    day = day or today()
    if reads_current(day):
        found = list(
            Product.objects.published()
            .filter(slug=slug, current_decision_date__lte=day)
            .select_related(*DETAIL_RELATED)
            .order_by()[:1]
        )
        if not found:
            return None
        product = found[0]
        product.cert_id = product.current_recognition_id
        product.cert_stars = product.current_stars
        product.cert_decision_no = product.current_decision_no
        product.cert_decision_date = product.current_decision_date
        product.cert_revoked_on = product.current_revoked_on
        product.cert_status = rules.certificate_status(
            day=day, decision_date=product.cert_decision_date, revoked_on=product.cert_revoked_on
        ).value
        product.cert_year = product.cert_decision_date.year
    else:
        product = catalogue_products(day=day).filter(slug=slug).first()
        if product is None:
            return None
    product.recognitions = list(Evaluation.objects.filter(product=product).decided_by(day).newest_first())
    product.gallery = list(product.images.order_by("position", "pk"))
    return product


@dataclass(frozen=True)
class Headline:
    valid_products: int
    by_stars: dict
    producers: int
    communes: int


def headline_counts(*, day: datetime.date | None = None) -> Headline:
    """Products with a valid certificate by star, and the producers and communes behind them: one query."""
    day = day or today()
    valid = with_certificate_status(catalogue_products(day=day), CertificateStatus.VALID, day=day).order_by()
    figures = valid.aggregate(
        total=Count("pk"),
        producers=Count("producer", distinct=True),
        communes=Count("commune", distinct=True),
        **{f"stars_{s}": Count("pk", filter=Q(cert_stars=s)) for s in rules.CERTIFIED_STARS},
    )
    return Headline(
        valid_products=figures["total"],
        by_stars={s: figures[f"stars_{s}"] for s in rules.CERTIFIED_STARS},
        producers=figures["producers"],
        communes=figures["communes"],
    )


def newest_recognitions(*, limit: int = 6, day: datetime.date | None = None):
    """The products most recently recognised, whose certificate is valid."""
    day = day or today()
    return as_cards(with_certificate_status(catalogue_products(day=day), CertificateStatus.VALID, day=day))[:limit]


def commune_counts(*, day: datetime.date | None = None) -> dict:
    """``{commune_id: (valid, listed)}``: products with a valid certificate and products in the
    catalogue (any status), per current commune. One grouped query."""
    day = day or today()
    rows = (
        catalogue_products(day=day)
        .order_by()
        .values("commune")
        .annotate(
            listed=Count("pk"),
            valid=Count("pk", filter=certificate_status_condition(CertificateStatus.VALID, day=day)),
        )
    )
    return {row["commune"]: (row["valid"], row["listed"]) for row in rows}


def communes_with_counts(*, day: datetime.date | None = None) -> list[Commune]:
    """Every current commune, each with ``valid_count`` and ``listed_count``: two queries."""
    counts = commune_counts(day=day)
    communes = list(Commune.objects.all())
    for commune in communes:
        commune.valid_count, commune.listed_count = counts.get(commune.pk, (0, 0))
    return communes


def public_producer(*, slug: str, day: datetime.date | None = None) -> Producer | None:
    """A producer with at least one catalogue product, or None."""
    day = day or today()
    listed = catalogue_products(day=day).filter(producer=OuterRef("pk"))
    return Producer.objects.select_related("commune").filter(Exists(listed), slug=slug).first()


@data_version.memoised
def demo_published() -> bool:
    """Whether a published product is demo data or made by a demo producer (``is_demo``): the public can see
    demo data. One EXISTS query per data version in each process (``data_version.memoised``)."""
    return Product.objects.published().filter(Q(is_demo=True) | Q(producer__is_demo=True)).exists()


@dataclass(frozen=True)
class FacetLabels:
    groups: list  # ProductGroup, in their order
    communes: list  # (pk, code, full name), by name
    districts: list  # (pk, code, name), by name


@data_version.memoised
def facet_labels() -> FacetLabels:
    """What names the catalogue's facet values: the product groups, the current communes and the legacy
    districts. Reference data that every list request needs and that hardly ever changes: read once per data
    version in each process (``data_version.memoised``), three queries, instead of three a request."""
    return FacetLabels(
        groups=list(ProductGroup.objects.all()),
        communes=[
            (pk, code, Commune.full_name_of(kind, name))
            for pk, code, kind, name in Commune.objects.order_by("name_key").values_list("pk", "code", "kind", "name")
        ],
        districts=[(d.pk, d.code, str(d)) for d in LegacyDistrict.objects.order_by("name_key")],
    )


def product_code_from(text: str) -> str | None:
    """The product code a visitor typed, as labels print it (``OCOP-38-000123``), forgiving case, spaces, dots and
    dashes (``ocop 38 000123``, ``OCOP38-000123``) and a bare number (``123``); None if it cannot be one."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    prefix = "".join(ch for ch in Product.CODE_PREFIX.upper() if ch.isalnum())
    number = compact.removeprefix(prefix)
    if not number.isdigit() or len(number) > 6:
        return None
    return Product.code_for(int(number))


def verified_certificate(code: str, *, day: datetime.date | None = None) -> Product | None:
    """The catalogue product with this code (``catalogue_products``'s ``cert_*`` attributes), or None: products
    never recognised, drafts and unpublished products are unknown to the public. One query."""
    return as_cards(catalogue_products(day=day).filter(code=code)).first()
