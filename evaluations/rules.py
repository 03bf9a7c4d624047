"""The OCOP rule sets and star thresholds: the one place they are written down.

Source: ../shared/DOMAIN.md (Decisions 1048/QĐ-TTg and 148/QĐ-TTg).
Everything else (model constraints, forms, services, tallies) reads from here.
"""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.lookups import Range
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RuleSet(models.TextChoices):
    R1048 = "1048", _("Quyết định 1048/QĐ-TTg (2019–2023)")
    R148 = "148", _("Quyết định 148/QĐ-TTg (từ 24/02/2023)")


@dataclass(frozen=True)
class PartMaxima:
    a: int
    b: int
    c: int


PART_MAXIMA = {
    RuleSet.R1048: PartMaxima(a=35, b=25, c=40),
    RuleSet.R148: PartMaxima(a=40, b=25, c=35),
}

RULE_SET_148_FROM = datetime.date(2023, 2, 24)

# (lowest total, highest total, stars). Totals are whole points out of 100.
STAR_BANDS = (
    (0, 29, 1),
    (30, 49, 2),
    (50, 69, 3),
    (70, 89, 4),
    (90, 100, 5),
)
MAX_TOTAL = 100
STARS = tuple(stars for _low, _high, stars in STAR_BANDS)  # 1…5: every star rating
CERTIFIED_MIN_STARS = 3
CERTIFIED_STARS = tuple(stars for stars in STARS if stars >= CERTIFIED_MIN_STARS)  # 3, 4, 5: OCOP products
NATIONAL_STARS = 5
# The points that earn 5 stars; below the central level, the points a 5-star proposal needs.
NATIONAL_MIN_POINTS = next(low for low, _high, stars in STAR_BANDS if stars == NATIONAL_STARS)
# The highest star a council below the central level can recognise.
BELOW_CENTRAL_MAX_STARS = 4

CERTIFICATE_VALIDITY = relativedelta(months=36)
RENEWAL_NOTICE_DAYS = 30
EXPIRING_SOON_DAYS = 90


def rule_set_for(day: datetime.date) -> str:
    """The rule set in force on ``day``."""
    return RuleSet.R148 if day >= RULE_SET_148_FROM else RuleSet.R1048


def stars_for(total: int) -> int:
    """Stars for a total score under both rule sets (DOMAIN.md, "Stars from points")."""
    if not 0 <= total <= MAX_TOTAL:
        raise ValueError(f"total {total} is outside 0–{MAX_TOTAL}")
    for low, high, stars in STAR_BANDS:
        if low <= total <= high:
            return stars
    raise AssertionError("STAR_BANDS must cover 0–100")


def band_for(stars: int) -> tuple[int, int]:
    """The lowest and highest totals that earn ``stars``."""
    return next((low, high) for low, high, band_stars in STAR_BANDS if band_stars == stars)


def stars_recognisable(*, total: int, level: str) -> int:
    """Stars a council at ``level`` recognises for ``total``: below the central level at most 4.

    A total of 90+ below the central level makes a 4-star product and a candidate for 5 stars.
    """
    stars = stars_for(total)
    if level != CouncilLevel.CENTRAL:
        stars = min(stars, BELOW_CENTRAL_MAX_STARS)
    return stars


def certificate_valid_until(decision_date: datetime.date) -> datetime.date:
    """The last day a certificate is valid: 36 months from the decision date.

    Following the Civil Code's counting of periods in months, a certificate
    decided on 23/12/2019 is valid up to and including 23/12/2022.
    """
    return decision_date + CERTIFICATE_VALIDITY


def earliest_valid_decision_date(day: datetime.date) -> datetime.date:
    """The earliest decision date whose certificate is still valid on ``day``.

    The exact inverse of :func:`certificate_valid_until`, including month ends: on 29/02/2024 a
    certificate decided on 28/02/2021 (valid until 28/02/2024) has lapsed, so the answer is 01/03/2021.
    Valid on ``day`` ⇔ earliest_valid_decision_date(day) ≤ decision date ≤ ``day``.
    """
    earliest = day - CERTIFICATE_VALIDITY
    while certificate_valid_until(earliest) < day:
        earliest += datetime.timedelta(days=1)
    return earliest


def expiring_decided_before(day: datetime.date) -> datetime.date:
    """Certificates valid on ``day`` lapse within EXPIRING_SOON_DAYS when decided before this date.

    Expiring on ``day`` ⇔ valid on ``day`` and valid until ``day`` + 90 days at the latest
    ⇔ earliest_valid_decision_date(day) ≤ decision date < expiring_decided_before(day).
    """
    return earliest_valid_decision_date(day + datetime.timedelta(days=EXPIRING_SOON_DAYS + 1))


class CertificateStatus(models.TextChoices):
    """A certificate's status on a day: the one definition, used by the catalogue (list, badges, CSV), the API,
    the admin and the dashboard. Computed from the decision's date and the date it was revoked, if it was:
    :func:`certificate_status` in Python, :func:`certificate_status_conditions` and
    :func:`certificate_status_expression` in the database (the same comparisons)."""

    VALID = "valid", _("Còn hiệu lực")
    EXPIRING = "expiring", _("Sắp hết hiệu lực")  # valid, and lapses within EXPIRING_SOON_DAYS
    EXPIRED = "expired", _("Hết hiệu lực")
    REVOKED = "revoked", _("Đã thu hồi")


# The certificate is in force: the public "valid" (the catalogue's filter, the API) and the dashboard's valid count.
CERTIFICATE_IN_FORCE = (CertificateStatus.VALID, CertificateStatus.EXPIRING)


def certificate_status(
    *, day: datetime.date, decision_date: datetime.date | None, revoked_on: datetime.date | None
) -> CertificateStatus:
    """The status on ``day`` of a certificate decided on ``decision_date`` and revoked on ``revoked_on`` (None
    when it was not revoked): revoked once the revocation is dated; otherwise expired after its 36 months,
    expiring within EXPIRING_SOON_DAYS of their end, valid before."""
    if revoked_on is not None and revoked_on <= day:
        return CertificateStatus.REVOKED
    if decision_date is None or decision_date < earliest_valid_decision_date(day):
        return CertificateStatus.EXPIRED
    if decision_date < expiring_decided_before(day):
        return CertificateStatus.EXPIRING
    return CertificateStatus.VALID


def public_certificate_status(status: str) -> str:
    """Valid, expired or revoked: an expiring certificate is still valid (the API's status, the catalogue's filter)."""
    return CertificateStatus.VALID.value if status in CERTIFICATE_IN_FORCE else status


def certificate_status_conditions(
    day: datetime.date, *, decision_date: str = "decision_date", revoked_on: str = "revoked_on"
) -> dict:
    """:func:`certificate_status` as one database condition per status, over the columns (or annotations) named
    ``decision_date`` and ``revoked_on``: ``{CertificateStatus: Q}``, four disjoint conditions that cover every row
    with a decision date, and under the key ``CERTIFICATE_IN_FORCE`` valid or expiring as one condition."""
    revoked = Q(**{f"{revoked_on}__lte": day})
    # Spelled out rather than ~revoked: negating a condition on an annotation would drop the nulls.
    standing = Q(**{f"{revoked_on}__isnull": True}) | Q(**{f"{revoked_on}__gt": day})
    valid_from = earliest_valid_decision_date(day)
    expiring_before = expiring_decided_before(day)
    return {
        CertificateStatus.REVOKED: revoked,
        CertificateStatus.EXPIRED: standing & Q(**{f"{decision_date}__lt": valid_from}),
        CertificateStatus.EXPIRING: standing
        & Q(**{f"{decision_date}__gte": valid_from, f"{decision_date}__lt": expiring_before}),
        CertificateStatus.VALID: standing & Q(**{f"{decision_date}__gte": expiring_before}),
        CERTIFICATE_IN_FORCE: standing & Q(**{f"{decision_date}__gte": valid_from}),
    }


def certificate_status_expression(day: datetime.date, **columns: str) -> Case:
    """:func:`certificate_status` as a database expression (a CASE over the same conditions); ``columns`` as
    :func:`certificate_status_conditions`."""
    conditions = certificate_status_conditions(day, **columns)
    return Case(
        *(When(conditions[status], then=Value(status.value)) for status in CertificateStatus),
        default=Value(CertificateStatus.EXPIRED.value),  # no decision date: no certificate in force
        output_field=models.CharField(),
    )


class CouncilLevel(models.TextChoices):
    DISTRICT = "district", _("Huyện")
    PROVINCE = "province", _("Tỉnh")
    CENTRAL = "central", _("Trung ương")


# Who decides (DOMAIN.md): before 24/02/2023 (1048) district councils only screened; under 148
# they recognise 3 stars, until the district level was abolished on 1/7/2025 (Resolution 1686).
# The province recognises 3 and 4 stars throughout (Thanh Hóa did so for 3 stars in 2019–2022);
# only the central council recognises 5 stars. The programme started in 2018.
OCOP_START = datetime.date(2018, 1, 1)
DISTRICTS_ABOLISHED_ON = datetime.date(2025, 7, 1)


def recognition_level_problem(*, level: str, stars: int, decision_date: datetime.date | None) -> str | None:
    """Why a council at ``level`` cannot recognise ``stars`` on ``decision_date``, or None."""
    if stars == NATIONAL_STARS and level != CouncilLevel.CENTRAL:
        return gettext("Chỉ Hội đồng Trung ương mới công nhận %(stars)s sao.") % {"stars": NATIONAL_STARS}
    if stars != NATIONAL_STARS and level == CouncilLevel.CENTRAL:
        return gettext(
            "Hội đồng Trung ương chỉ công nhận %(national)s sao; sản phẩm %(stars)s sao do tỉnh hoặc huyện công nhận."
        ) % {"national": NATIONAL_STARS, "stars": stars}
    if level == CouncilLevel.DISTRICT:
        if stars != CERTIFIED_MIN_STARS:
            return gettext("Cấp huyện chỉ công nhận %(district)s sao; sản phẩm %(stars)s sao do tỉnh công nhận.") % {
                "district": CERTIFIED_MIN_STARS,
                "stars": stars,
            }
        if decision_date is not None and decision_date < RULE_SET_148_FROM:
            return gettext(
                "Trước %(date)s (Quyết định 1048), cấp huyện chỉ sơ loại; quyết định công nhận là của tỉnh."
            ) % {"date": f"{RULE_SET_148_FROM:%d/%m/%Y}"}
        if decision_date is not None and decision_date >= DISTRICTS_ABOLISHED_ON:
            return gettext("Từ %(date)s không còn cấp huyện; hãy ghi cấp Tỉnh.") % {
                "date": f"{DISTRICTS_ABOLISHED_ON:%d/%m/%Y}"
            }
    return None


def rule_set_period(rule_set: str) -> tuple[datetime.date, datetime.date | None]:
    """The first and last day (None: still in force) a rule set applies to in the register.

    1048 covers the programme's start (the decisions of 2018–2019 are recorded under it, as the import
    does) up to the day before 148 came into force; 148 applies from 24/02/2023 on.
    """
    if rule_set == RuleSet.R148:
        return RULE_SET_148_FROM, None
    return OCOP_START, RULE_SET_148_FROM - datetime.timedelta(days=1)


def _day(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def evaluation_date_problem(*, evaluated_on: datetime.date, rule_set: str) -> str | None:
    """Why a council cannot have evaluated on ``evaluated_on`` under ``rule_set``, or None: not before the
    rule set came into force (a council may finish a round under the old set after the new one starts)."""
    start, _end = rule_set_period(rule_set)
    if evaluated_on < start:
        return gettext("Ngày đánh giá %(date)s trước khi bộ tiêu chí %(rule_set)s có hiệu lực (%(start)s).") % {
            "date": _day(evaluated_on),
            "rule_set": rule_set,
            "start": _day(start),
        }
    return None


def decision_date_problem(
    *,
    decision_date: datetime.date,
    today: datetime.date,
    rule_set: str = "",
    evaluated_on: datetime.date | None = None,
) -> str | None:
    """Why ``decision_date`` cannot be a decision's date as seen on ``today``, or None: the one check that the
    admin (``Evaluation.clean``), the decision actions and the register import all call.

    Not in the future, not before the programme (2018), not before the evaluation it decides on, and within
    the period of its ``rule_set`` (when given): never before the rule set came into force, and after its
    end only to close a round the council evaluated while it was in force.
    """
    if decision_date > today:
        return gettext("Ngày quyết định %(date)s ở tương lai.") % {"date": _day(decision_date)}
    if decision_date < OCOP_START:
        return gettext("Ngày quyết định %(date)s trước khi có chương trình OCOP (%(year)s).") % {
            "date": _day(decision_date),
            "year": OCOP_START.year,
        }
    if evaluated_on is not None and decision_date < evaluated_on:
        return gettext("Ngày quyết định %(date)s trước ngày đánh giá %(evaluated)s.") % {
            "date": _day(decision_date),
            "evaluated": _day(evaluated_on),
        }
    if rule_set:
        return _outside_rule_set_problem(decision_date, rule_set, evaluated_on)
    return None


def _outside_rule_set_problem(
    decision_date: datetime.date, rule_set: str, evaluated_on: datetime.date | None
) -> str | None:
    start, end = rule_set_period(rule_set)
    if decision_date < start:
        return gettext(
            "Ngày quyết định %(date)s trước khi bộ tiêu chí %(rule_set)s có hiệu lực (%(start)s): "
            "kiểm tra lại ngày hoặc bộ tiêu chí."
        ) % {"date": _day(decision_date), "rule_set": rule_set, "start": _day(start)}
    closes_a_round = evaluated_on is not None and end is not None and evaluated_on <= end
    if end is not None and decision_date > end and not closes_a_round:
        return gettext(
            "Ngày quyết định %(date)s sau khi bộ tiêu chí %(rule_set)s hết hiệu lực (%(end)s); chỉ được khi hội "
            "đồng đã chấm theo bộ này trước ngày đó: ghi ngày đánh giá, hoặc chọn bộ tiêu chí đang áp dụng."
        ) % {"date": _day(decision_date), "rule_set": rule_set, "end": _day(end)}
    return None


def same_day_recognition_problem(*, decision_date: datetime.date, earlier) -> str | None:
    """Why a product cannot be recognised on ``decision_date``, or None: it already has a recognition decision
    that day. ``earlier``: (decision number, decision date) of the product's other decisions. Two decisions on
    one day would leave its current certificate ambiguous."""
    for number, day in earlier:
        if day == decision_date:
            return gettext(
                "Sản phẩm này đã có quyết định công nhận %(number)s cùng ngày %(date)s; một sản phẩm chỉ có "
                "một quyết định công nhận trong một ngày."
            ) % {"number": number, "date": _day(day)}
    return None


def stars_expression():
    """:func:`stars_for` as a database expression over an evaluation's columns.

    - a failed mandatory criterion ("Không đạt") has no stars;
    - without part scores, the stars are those declared by the decision (``declared_stars``);
    - with scores, the stars follow STAR_BANDS, except that a council below the central
      level recognises at most 4 stars (a total of 90+ there makes a 5-star candidate).
    """
    total = F("score_a") + F("score_b") + F("score_c")
    whens = [
        When(not_rated=True, then=Value(None)),
        When(Q(score_a__isnull=True) | Q(score_b__isnull=True) | Q(score_c__isnull=True), then=F("declared_stars")),
    ]
    for low, high, stars in STAR_BANDS:
        then = Value(stars)
        if stars > BELOW_CENTRAL_MAX_STARS:
            then = Case(When(level=CouncilLevel.CENTRAL, then=Value(stars)), default=Value(BELOW_CENTRAL_MAX_STARS))
        whens.append(When(Range(total, (low, high)), then=then))
    return Case(*whens, default=Value(None), output_field=models.PositiveSmallIntegerField())


def part_maxima_condition():
    """A check-constraint condition: each part score within its rule set's maximum."""
    condition = Q()
    for rule_set, maxima in PART_MAXIMA.items():
        condition |= Q(rule_set=rule_set) & (
            (Q(score_a__isnull=True) | Q(score_a__lte=maxima.a))
            & (Q(score_b__isnull=True) | Q(score_b__lte=maxima.b))
            & (Q(score_c__isnull=True) | Q(score_c__lte=maxima.c))
        )
    return condition
