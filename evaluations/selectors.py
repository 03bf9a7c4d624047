"""Progress tallies for the officials' dashboard and the progress API.

The counting rule (DOMAIN.md, "How a tally counts"):

- only recognitions count: decisions (status recognised, or revoked later) dated on or before the
  as-of date, and not revoked on that date (a recognition revoked after the as-of date still counts);
- a phase (or a calendar year) counts distinct products recognised inside it, each once, at the
  highest star it reached there; those certified before the range started are re-recognitions;
- "proposed for national" counts distinct products the province proposed for 5★ inside the phase
  (by proposal date), and nothing else counts there;
- current standing looks at each product's latest recognition on the date: valid (within
  ``rules.CERTIFICATE_VALIDITY``), expired, or revoked; plus the certificates that expire within
  ``rules.EXPIRING_SOON_DAYS`` (``rules.CertificateStatus``). As of today that is the product's current
  recognition (``Product.current_*``, no join); for a past date, the decisions (:func:`latest_source`).

The progress API reads :func:`progress_on` and the dashboard :func:`dashboard_on`, each through its
cached wrapper; tests call the same two functions.

Every tally is an aggregate query in the database: the number of queries is the same whatever
the number of products, communes, phases or years.
"""

import datetime
import hashlib
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.db.models import Count, F, Max, Min, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext

from products.models import Commune, LegacyDistrict, Producer, Product, ProductGroup

from . import rules
from .models import (
    DECIDED_STATUSES,
    Evaluation,
    Phase,
    Target,
    decided_by_condition,
    localised_label,
    revoked_by_condition,
)

# --- Conditions ------------------------------------------------------------------------------


def _counted_on(day):
    """A recognition that counts on ``day``: decided by then and not revoked by then."""
    return decided_by_condition(day) & ~revoked_by_condition(day)


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    key: str
    start: datetime.date
    end: datetime.date


@dataclass
class RangeTally:
    """Distinct products recognised in a date range, each at its highest star there."""

    by_stars: dict = field(default_factory=dict)  # {stars: n} for each of rules.CERTIFIED_STARS
    products: int = 0
    rerecognised: int = 0
    proposed_national: int = 0

    @property
    def new(self) -> int:
        return self.products - self.rerecognised

    def in_star_range(self, low: int, high: int) -> int:
        return sum(n for stars, n in self.by_stars.items() if low <= stars <= high)


@dataclass
class TargetProgress:
    label: str
    label_en: str
    measure: str
    measure_label: str
    min_stars: int
    max_stars: int
    target: int
    achieved: int
    elapsed_share: float  # 0..1, shared with the phase

    @property
    def display_label(self) -> str:
        """The label in the page's language (``models.localised_label``)."""
        return localised_label(self.label, self.label_en)

    @property
    def percent(self) -> float:
        return round(100 * self.achieved / self.target, 1)

    @property
    def remaining(self) -> int:
        return max(self.target - self.achieved, 0)

    @property
    def achieved_share(self) -> float:
        return self.achieved / self.target

    @property
    def on_track(self) -> bool:
        """Achieved at least the share of the target that the share of the phase elapsed calls for."""
        return self.achieved_share >= self.elapsed_share

    @property
    def pace(self) -> str:
        return "on_track" if self.on_track else "behind"


@dataclass
class PhaseProgress:
    pk: int
    name: str
    start: datetime.date
    end: datetime.date
    elapsed_days: int
    total_days: int
    tally: RangeTally
    targets: list

    @property
    def elapsed_share(self) -> float:
        return self.elapsed_days / self.total_days

    @property
    def elapsed_percent(self) -> float:
        return round(100 * self.elapsed_share, 1)

    @property
    def state(self) -> str:
        if self.elapsed_days == 0:
            return "not_started"
        if self.elapsed_days >= self.total_days:
            return "ended"
        return "in_progress"


@dataclass
class YearTally:
    year: int
    tally: RangeTally


@dataclass
class Standing:
    """Products by their latest recognition on the date."""

    valid_by_stars: dict  # {stars: n} for each of rules.CERTIFIED_STARS
    expired_by_stars: dict
    expired: int
    revoked: int
    expiring: int

    @property
    def valid(self) -> int:
        return sum(self.valid_by_stars.values())

    @property
    def recognised(self) -> int:
        """Products whose latest recognition stands (valid or expired, not revoked)."""
        return self.valid + self.expired


@dataclass
class BreakdownRow:
    key: str
    label: str
    valid: int = 0
    recognised: int = 0
    url: str = ""


@dataclass
class Progress:
    """The progress API's headline figures."""

    as_of: datetime.date
    phases: list
    standing: Standing


@dataclass
class Dashboard:
    as_of: datetime.date
    phases: list
    standing: Standing
    years: list
    by_group: list
    by_commune: list
    by_district: list
    by_producer_kind: list
    expiring: list


# --- Range tallies (phases and years in one grouped query) ------------------------------------


def range_tallies(ranges: list[DateRange], day: datetime.date) -> dict[str, RangeTally]:
    """Tally each date range in ONE aggregate query.

    Inside: one row per product with, for each range, its highest counted star there and
    whether it was proposed there, plus its first recognition ever. Outside: conditional
    counts over those rows.
    """
    if not ranges:
        return {}
    counted = _counted_on(day)
    proposal = Q(proposed_national=True, proposal_date__lte=day)
    per_product = {"first_decided": Min("decision_date", filter=decided_by_condition(day))}
    for index, date_range in enumerate(ranges):
        # The most selective test first (SQLite stops at the first false one, row by row): a decision is in one
        # or two of the ranges, and a proposal is rare.
        in_range = Q(decision_date__gte=date_range.start, decision_date__lte=date_range.end)
        per_product[f"top_{index}"] = Max("stars", filter=in_range & counted)
        proposed_in_range = Q(proposal_date__gte=date_range.start, proposal_date__lte=date_range.end)
        per_product[f"proposed_{index}"] = Count(
            "pk", filter=Q(proposed_national=True) & proposed_in_range & Q(proposal_date__lte=day)
        )
    # Outside, one row per product: each count counts rows (COUNT(1)), not a column of the inside, which spares the
    # ORM rewriting every count's expression, the larger part of building this query.
    def products(condition):
        return Count(Value(1), filter=condition)

    totals = {}
    for index, date_range in enumerate(ranges):
        top = f"top_{index}"
        # A recognition is at CERTIFIED_STARS (a constraint): the products are the sum of these.
        for stars in rules.CERTIFIED_STARS:
            totals[f"r{index}_s{stars}"] = products(Q(**{top: stars}))
        totals[f"r{index}_re"] = products(Q(**{f"{top}__isnull": False, "first_decided__lt": date_range.start}))
        totals[f"r{index}_proposed"] = products(Q(**{f"proposed_{index}__gt": 0}))
    row = (
        Evaluation.objects.filter(decided_by_condition(day) | proposal)
        .values("product")
        .annotate(**per_product)
        .order_by()
        .aggregate(**totals)
    )
    tallies = {}
    for index, date_range in enumerate(ranges):
        by_stars = {stars: row[f"r{index}_s{stars}"] or 0 for stars in rules.CERTIFIED_STARS}
        tallies[date_range.key] = RangeTally(
            by_stars=by_stars,
            products=sum(by_stars.values()),
            rerecognised=row[f"r{index}_re"] or 0,
            proposed_national=row[f"r{index}_proposed"] or 0,
        )
    return tallies


def _elapsed_days(start, end, day) -> tuple[int, int]:
    total = (end - start).days + 1
    if day < start:
        return 0, total
    return min((day - start).days + 1, total), total


def _phases_with_targets():
    return list(Phase.objects.prefetch_related("targets").order_by("start", "name"))


def _phase_ranges(phases) -> list[DateRange]:
    return [DateRange(f"phase-{p.pk}", p.start, p.end) for p in phases]


def _phase_progress(phases, tallies, day) -> list[PhaseProgress]:
    result = []
    for phase in phases:
        elapsed, total = _elapsed_days(phase.start, phase.end, day)
        tally = tallies[f"phase-{phase.pk}"]
        share = elapsed / total
        targets = []
        for target in phase.targets.all():
            if target.measure == Target.Measure.PROPOSED_NATIONAL:
                achieved = tally.proposed_national
            else:
                achieved = tally.in_star_range(target.min_stars, target.max_stars)
            targets.append(
                TargetProgress(
                    label=target.label,
                    label_en=target.label_en,
                    measure=target.measure,
                    measure_label=str(target.get_measure_display()),
                    min_stars=target.min_stars,
                    max_stars=target.max_stars,
                    target=target.target_count,
                    achieved=achieved,
                    elapsed_share=share,
                )
            )
        result.append(
            PhaseProgress(
                pk=phase.pk, name=phase.name, start=phase.start, end=phase.end,
                elapsed_days=elapsed, total_days=total, tally=tally, targets=targets,
            )
        )
    return result


# --- Current standing -------------------------------------------------------------------------


@dataclass(frozen=True)
class LatestSource:
    """Where each product's latest recognition on a day is read from, and the names of its columns there."""

    rows: object  # a QuerySet: one row per product with a recognition decided by the day
    conditions: dict  # rules.CertificateStatus -> the condition over those rows
    keys: dict  # stars, commune_id, group_id, district_id, kind -> the expression over those rows
    producer: str  # the path to the product's producer


def reads_current(day: datetime.date) -> bool:
    """Whether the products' current recognitions (``Product.current_*``, their latest decisions of all) are their
    latest on ``day``: from today on, as decisions are never dated in the future (``rules.decision_date_problem``).
    A past date reads the decisions themselves (``Evaluation.objects.latest_per_product``)."""
    return day >= timezone.localdate()


def latest_source(day: datetime.date) -> LatestSource:
    """Each product's latest recognition on ``day``: the products' own columns from today on (the read model kept by
    ``services.recognitions_resequence``, no join), the decisions for a past date. Both give the same rows and
    figures (tests compare them on every write path)."""
    if reads_current(day):
        return LatestSource(
            rows=Product.objects.recognised().filter(current_decision_date__lte=day),
            conditions=rules.certificate_status_conditions(
                day, decision_date="current_decision_date", revoked_on="current_revoked_on"
            ),
            keys={
                "commune_id": F("commune_id"),
                "group_id": F("group_id"),
                "district_id": F("legacy_commune__district_id"),
                "stars": F("current_stars"),
                "kind": F("producer__kind"),
            },
            producer="producer",
        )
    return LatestSource(
        rows=Evaluation.objects.latest_per_product(day).with_revoked_on(),
        conditions=rules.certificate_status_conditions(day, decision_date="decision_date", revoked_on="revoked_on"),
        keys={
            "commune_id": F("product__commune_id"),
            "group_id": F("product__group_id"),
            "district_id": F("product__legacy_commune__district_id"),
            "stars": F("stars"),
            "kind": F("product__producer__kind"),
        },
        producer="product__producer",
    )


BREAKDOWNS = ("commune_id", "group_id", "district_id")


def _status_counts(source: LatestSource) -> dict:
    """Counts of the latest recognitions by certificate status: valid (in force, expiring ones included), expired,
    revoked, and expiring."""
    status = rules.CertificateStatus
    return {
        "valid": Count("pk", filter=source.conditions[rules.CERTIFICATE_IN_FORCE]),
        "expired": Count("pk", filter=source.conditions[status.EXPIRED]),
        "revoked": Count("pk", filter=source.conditions[status.REVOKED]),
        "expiring": Count("pk", filter=source.conditions[status.EXPIRING]),
    }


def _latest_grouped(day, breakdowns=BREAKDOWNS) -> dict:
    """Each product's latest recognition on ``day``, counted by certificate status: by star (the standing) and by
    each of ``breakdowns`` (commune, group and legacy district by default; none for the standing alone).

    ``{"stars": rows, "commune_id": rows, …}``, each row ``{"key": …, "valid": n, "expired": n, "revoked": n,
    "expiring": n}``. One query grouped by all the dimensions at once (at most communes × groups × districts ×
    stars rows, in practice a few thousand), summed here into each dimension's rows.
    """
    source = latest_source(day)
    dimensions = ("stars", *breakdowns)
    counts = _status_counts(source)
    rows = (
        source.rows.values(**{f"by_{dimension}": source.keys[dimension] for dimension in dimensions})
        .annotate(**counts)
        .order_by()
        .values_list(*(f"by_{dimension}" for dimension in dimensions), *counts)
    )
    width = len(dimensions)
    totals = [{} for _ in dimensions]
    for row in rows:
        figures = row[width:]
        for index in range(width):
            total = totals[index].get(row[index])
            if total is None:
                totals[index][row[index]] = list(figures)
            else:
                for position, n in enumerate(figures):
                    total[position] += n
    return {
        dimension: [{"key": key, **dict(zip(counts, figures))} for key, figures in totals[index].items()]
        for index, dimension in enumerate(dimensions)
    }


def _standing_from(rows) -> Standing:
    valid = dict.fromkeys(rules.CERTIFIED_STARS, 0)
    expired = dict.fromkeys(rules.CERTIFIED_STARS, 0)
    revoked = expiring = 0
    for row in rows:
        valid[row["key"]] = valid.get(row["key"], 0) + row["valid"]
        expired[row["key"]] = expired.get(row["key"], 0) + row["expired"]
        revoked += row["revoked"]
        expiring += row["expiring"]
    return Standing(
        valid_by_stars=valid, expired_by_stars=expired, expired=sum(expired.values()), revoked=revoked,
        expiring=expiring,
    )


def standing_on(*, day: datetime.date) -> Standing:
    """Products by their latest recognition on ``day`` (one query)."""
    return _standing_from(_latest_grouped(day, breakdowns=())["stars"])


def certificates_with_status(status: str, *, day: datetime.date):
    """Latest recognitions whose certificate has ``status`` (``rules.CertificateStatus``) on ``day``, with their
    product and the producer's contact."""
    condition = rules.certificate_status_conditions(day)[status]
    return (
        Evaluation.objects.latest_per_product(day)
        .with_revoked_on()
        .filter(condition)
        .select_related("product__producer", "product__commune")
    )


def expiring_certificates(*, day: datetime.date):
    """Latest recognitions valid on ``day`` that lapse within EXPIRING_SOON_DAYS, soonest first, with contacts."""
    return certificates_with_status(rules.CertificateStatus.EXPIRING, day=day).order_by(
        "decision_date", "product__name_key", "pk"
    )


def expired_certificates(*, day: datetime.date):
    """Latest recognitions that had lapsed by ``day`` (not revoked), most recently lapsed first, with contacts: the
    products to re-evaluate or to take off labels."""
    return certificates_with_status(rules.CertificateStatus.EXPIRED, day=day).order_by(
        "-decision_date", "product__name_key", "pk"
    )


# --- Breakdowns -------------------------------------------------------------------------------


def _fold(rows, key_of, labels, urls=None):
    """Sum valid and recognised (valid + expired) counts of ``rows`` under ``key_of(row)``."""
    result = {}
    for row in rows:
        key = key_of(row)
        entry = result.get(key)
        if entry is None:
            entry = result[key] = BreakdownRow(
                key=str(key or ""), label=labels.get(key, ""), url=(urls or {}).get(key, "")
            )
        entry.valid += row["valid"]
        entry.recognised += row["valid"] + row["expired"]
    return [entry for entry in result.values() if entry.recognised]


def _group_breakdown(rows):
    groups = {g.pk: g for g in ProductGroup.objects.all()}
    top = {pk: (g.parent_id or pk) for pk, g in groups.items()}
    labels = {pk: f"{g.code}. {g.display_name}" for pk, g in groups.items() if g.parent_id is None}
    labels[None] = gettext("Chưa phân nhóm")
    folded = _fold(rows, lambda r: top.get(r["key"]), labels)
    order = {pk: (g.position, g.code) for pk, g in groups.items()}
    return sorted(folded, key=lambda r: (r.key == "", order.get(int(r.key), (0, "")) if r.key else (0, "")))


def _commune_breakdown(rows):
    communes = list(Commune.objects.only("pk", "name", "kind", "slug"))
    labels = {c.pk: c.full_name for c in communes}
    # Commune URLs differ only by slug: reverse once, not once per commune.
    marker = "slug-placeholder"
    url = reverse("products:commune_detail", kwargs={"slug": marker})
    urls = {c.pk: url.replace(marker, c.slug) for c in communes}
    return sorted(
        _fold(rows, lambda r: r["key"], labels, urls),
        key=lambda r: (-r.recognised, -r.valid, r.label),
    )


def _district_breakdown(rows):
    labels = {d.pk: str(d) for d in LegacyDistrict.objects.all()}
    labels[None] = gettext("Không ghi xã cũ (hồ sơ từ 7/2025)")
    return sorted(
        _fold(rows, lambda r: r["key"], labels),
        key=lambda r: (r.key == "", -r.recognised, -r.valid, r.label),
    )


def breakdown_by_producer_kind(*, day):
    """Distinct producers, by kind, counted by their products' latest recognition on ``day``: with a
    valid certificate, and recognised (valid or expired, not revoked) — as every other breakdown."""
    source = latest_source(day)
    status = rules.CertificateStatus
    in_force = source.conditions[rules.CERTIFICATE_IN_FORCE]
    counts = {
        row["kind"]: row
        for row in source.rows.filter(in_force | source.conditions[status.EXPIRED])
        .values(kind=source.keys["kind"])
        .annotate(
            valid=Count(source.producer, distinct=True, filter=in_force),
            recognised=Count(source.producer, distinct=True),
        )
        .order_by()
    }
    return [
        BreakdownRow(
            key=kind,
            label=str(label),
            valid=counts.get(kind, {}).get("valid", 0),
            recognised=counts.get(kind, {}).get("recognised", 0),
        )
        for kind, label in Producer.Kind.choices
    ]


def _year_ranges(day):
    """One range per calendar year from the first decision to the last one dated by ``day``."""
    span = Evaluation.objects.filter(decided_by_condition(day)).aggregate(
        first=Min("decision_date"), last=Max("decision_date")
    )
    if span["first"] is None:
        return []
    return [
        DateRange(f"year-{year}", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        for year in range(span["first"].year, span["last"].year + 1)
    ]


# --- Headline figures for the progress API -----------------------------------------------------


def progress_on(*, day: datetime.date, phases=None) -> Progress:
    """Every phase with its targets' progress on ``day``, and the current standing (4 queries; 2 with ``phases``).

    ``phases`` are those of :func:`_phases_with_targets` when the caller has read them already.
    """
    phases = _phases_with_targets() if phases is None else phases
    return Progress(
        as_of=day,
        phases=_phase_progress(phases, range_tallies(_phase_ranges(phases), day), day),
        standing=standing_on(day=day),
    )


# --- Everything the dashboard shows -----------------------------------------------------------


def dashboard_on(*, day: datetime.date, phases=None) -> Dashboard:
    """All the dashboard's figures on ``day``, in a fixed number of queries (11)."""
    phases = _phases_with_targets() if phases is None else phases
    phase_ranges = _phase_ranges(phases)
    year_ranges = _year_ranges(day)
    tallies = range_tallies(phase_ranges + year_ranges, day)
    latest = _latest_grouped(day)
    return Dashboard(
        as_of=day,
        phases=_phase_progress(phases, tallies, day),
        standing=_standing_from(latest["stars"]),
        years=[YearTally(year=r.start.year, tally=tallies[r.key]) for r in year_ranges],
        by_group=_group_breakdown(latest["group_id"]),
        by_commune=_commune_breakdown(latest["commune_id"]),
        by_district=_district_breakdown(latest["district_id"]),
        by_producer_kind=breakdown_by_producer_kind(day=day),
        expiring=expiring_certificates(day=day),
    )


# --- Derived data against its reference ------------------------------------------------------------------------


def recognitions_out_of_step() -> set:
    """The products whose derived data differs from what their decisions say, computed afresh from the decisions
    alone with window functions (the references the tests hold the write paths to): an evaluation's
    ``superseded_on`` (its successor's date; null for the latest decision and without a decision) or the product's
    current recognition (``Product.current_*``). Empty when every write kept them in step. Three queries."""
    out = {
        product_id
        for product_id, following, superseded_on in Evaluation.objects.with_next_decision().values_list(
            "product_id", "next_decision_date", "superseded_on"
        )
        if following != superseded_on
    }
    out |= set(
        Evaluation.objects.exclude(status__in=DECIDED_STATUSES)
        .filter(superseded_on__isnull=False)
        .values_list("product_id", flat=True)
    )
    latest = {
        row.product_id: (
            row.pk, row.stars, row.decision_no, row.decision_date,
            row.revocation_date if row.status == Evaluation.Status.REVOKED else None,
        )
        for row in Evaluation.objects.latest_per_product_by_window(datetime.date.max)
    }
    for pk, *stored in Product.objects.values_list("pk", *Product.CURRENT_COLUMNS):
        if tuple(stored) != latest.get(pk, Product.NO_CURRENT_RECOGNITION):
            out.add(pk)
    return out


# --- Cached figures for the page and the API ----------------------------------------------------
#
# Every figure is a pure function of the as-of date and the registry's data. The page and the API
# keep the computed figures in Django's cache under a key made of the date, the language (labels are
# translated), the phases and targets as they are now, and a fingerprint of the evaluations, products
# and producers (row count and latest ``updated_at`` of each): any write through the admin, the
# services or an import changes the fingerprint, so a stale figure is never served. The fingerprint
# costs three small aggregate queries; the figures themselves, a few hundred milliseconds at 20,000
# products, are computed once per date and data version.

CACHE_SECONDS = 60 * 60


def registry_version() -> tuple:
    """A cheap fingerprint of the rows the tallies read (three aggregate queries)."""
    return tuple(
        tuple(model.objects.aggregate(n=Count("pk"), last=Max("updated_at")).values())
        for model in (Evaluation, Product, Producer)
    )


def _phases_signature(phases) -> tuple:
    return tuple(
        (p.pk, p.name, p.start, p.end, tuple(
            (t.pk, t.label, t.label_en, t.measure, t.min_stars, t.max_stars, t.target_count, t.position) for t in p.targets.all()
        ))
        for p in phases
    )


def _cached(kind: str, day: datetime.date, phases, compute):
    fingerprint = repr((kind, day, get_language(), _phases_signature(phases), registry_version()))
    key = "ocop:figures:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def cached_dashboard_on(*, day: datetime.date) -> Dashboard:
    """:func:`dashboard_on`, with the figures cached until the data changes (the expiring list is always fresh)."""
    phases = _phases_with_targets()
    figures = _cached(
        "dashboard", day, phases, lambda: replace(dashboard_on(day=day, phases=phases), expiring=None)
    )
    return replace(figures, expiring=expiring_certificates(day=day))


def cached_progress_on(*, day: datetime.date) -> Progress:
    """:func:`progress_on`, with the figures cached until the data changes."""
    phases = _phases_with_targets()
    return _cached("progress", day, phases, lambda: progress_on(day=day, phases=phases))
