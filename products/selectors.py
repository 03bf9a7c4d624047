"""Catalogue reads: the public's view of the registry.

A product is in the public catalogue when it is published and has at least one recognition decision
(an evaluation recognised, or recognised and revoked since) dated on or before the day asked about.
Its public stars and certificate are those of its **latest** recognition (DOMAIN.md); provincial
proposals for 5 stars, drafts and scored-but-undecided evaluations are never certifications.

Each read is one SQL statement (``communes_with_counts`` two): the latest recognition is a plain join
condition inside the product query (:func:`evaluations.models.latest_on_condition`, thanks to the derived
``Evaluation.superseded_on``), and tallies are grouped aggregates.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import ExtractYear
from django.utils import timezone

from evaluations import rules
from evaluations.models import Evaluation, latest_on_condition

from .models import Commune, Producer, Product


class CertificateStatus:
    """The certificate status of a product's latest recognition on a day."""

    VALID = "valid"
    EXPIRING = "expiring"  # valid, and ends within rules.EXPIRING_SOON_DAYS
    EXPIRED = "expired"
    REVOKED = "revoked"
    ALL = "all"  # filter value only


def today() -> datetime.date:
    return timezone.localdate()


def certificate_status_expression(day: datetime.date):
    """``certificate_status`` of the latest recognition as a database expression.

    Mirrors :meth:`evaluations.models.Evaluation.certificate_status` (a test holds them together).
    """
    return Case(
        When(
            Q(cert_state=Evaluation.Status.REVOKED)
            & (Q(cert_revocation_date__isnull=True) | Q(cert_revocation_date__lte=day)),
            then=Value(CertificateStatus.REVOKED),
        ),
        When(cert_decision_date__lt=rules.earliest_valid_decision_date(day), then=Value(CertificateStatus.EXPIRED)),
        When(cert_decision_date__lt=rules.expiring_decided_before(day), then=Value(CertificateStatus.EXPIRING)),
        default=Value(CertificateStatus.VALID),
        output_field=CharField(),
    )


def catalogue_products(*, day: datetime.date | None = None):
    """Published products with a recognition decided by ``day`` (default today), annotated with
    their latest recognition: ``cert_id``, ``cert_stars``, ``cert_decision_no``, ``cert_decision_date``,
    ``cert_state`` (evaluation status), ``cert_revocation_date``, ``cert_status`` and ``cert_year``.

    Every status is included (valid, expiring, expired, revoked); filter with
    :func:`with_certificate_status`. Related rows shown on lists are joined, so that a page of
    any size is one query.
    """
    day = day or today()
    # Join each product to exactly one evaluation, its latest recognition on the day (a plain condition
    # thanks to Evaluation.superseded_on), and read that evaluation's columns directly.
    return (
        Product.objects.published()
        .filter(latest_on_condition(day, through="evaluations__"))
        .annotate(
            cert_id=F("evaluations__pk"),
            cert_stars=F("evaluations__stars"),
            cert_decision_no=F("evaluations__decision_no"),
            cert_decision_date=F("evaluations__decision_date"),
            cert_state=F("evaluations__status"),
            cert_revocation_date=F("evaluations__revocation_date"),
        )
        .annotate(cert_status=certificate_status_expression(day), cert_year=ExtractYear("cert_decision_date"))
        .select_related("producer", "commune", "group__parent", "legacy_commune__district")
        .order_by("-cert_decision_date", "name_key", "pk")
    )


def with_certificate_status(queryset, status: str):
    """Narrow catalogue products to a certificate status; ``valid`` includes those expiring soon."""
    if status == CertificateStatus.VALID:
        return queryset.filter(cert_status__in=[CertificateStatus.VALID, CertificateStatus.EXPIRING])
    if status in (CertificateStatus.EXPIRED, CertificateStatus.REVOKED, CertificateStatus.EXPIRING):
        return queryset.filter(cert_status=status)
    return queryset


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


def catalogue_product_detail(*, slug: str, day: datetime.date | None = None) -> Product | None:
    """One catalogue product by slug with its images and rating history, or None if not public."""
    day = day or today()
    return (
        catalogue_products(day=day)
        .prefetch_related("images", rating_history(day=day))
        .filter(slug=slug)
        .first()
    )


@dataclass(frozen=True)
class Headline:
    valid_products: int
    by_stars: dict
    producers: int
    communes: int


def headline_counts(*, day: datetime.date | None = None) -> Headline:
    """Products with a valid certificate by star, and the producers and communes behind them: one query."""
    day = day or today()
    valid = with_certificate_status(catalogue_products(day=day), CertificateStatus.VALID).order_by()
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
    return with_certificate_status(catalogue_products(day=day), CertificateStatus.VALID)[:limit]


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
            valid=Count("pk", filter=Q(cert_status__in=[CertificateStatus.VALID, CertificateStatus.EXPIRING])),
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
