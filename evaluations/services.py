"""Writes with rules for evaluations: record, recognise, revoke, propose for 5 stars."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, Lead
from django.utils import timezone
from django.utils.translation import gettext

from ocop_registry import data_version
from products.models import Product

from . import rules
from .models import DECIDED_STATUSES, Evaluation, EvaluationStatus


def evaluation_status_for_outcome(
    *,
    status: str = EvaluationStatus.DRAFT,
    score_a: int | None = None,
    score_b: int | None = None,
    score_c: int | None = None,
    declared_stars: int | None = None,
    not_rated: bool = False,
) -> str:
    """The status of an evaluation with this outcome, the one place the rule is written.

    Until a decision is taken the status follows the outcome: "scored" with one (all three part scores,
    the stars declared by a decision, or "not rated"), a draft without. A recognised or revoked evaluation
    keeps its status. Used when recording (:func:`evaluation_record`) and by the admin's entry form.
    """
    if status in DECIDED_STATUSES:
        return status
    has_outcome = not_rated or declared_stars is not None or None not in (score_a, score_b, score_c)
    return EvaluationStatus.SCORED if has_outcome else EvaluationStatus.DRAFT


@transaction.atomic
def evaluation_record(*, product, level: str, **details) -> Evaluation:
    """Record a council's evaluation. ``details``: the other fields of :class:`Evaluation` before a decision
    (evaluated_on, rule_set, score_a, score_b, score_c, declared_stars, not_rated, notes). With an outcome
    (scores, stars or "not rated") it is "scored"."""
    evaluation = Evaluation(product=product, level=level, **details)
    evaluation.status = evaluation_status_for_outcome(
        score_a=evaluation.score_a,
        score_b=evaluation.score_b,
        score_c=evaluation.score_c,
        declared_stars=evaluation.declared_stars,
        not_rated=evaluation.not_rated,
    )
    evaluation.full_clean()
    evaluation.save()
    evaluation.refresh_from_db(fields=["total", "stars"])
    return evaluation


RESEQUENCE_CHUNK = 5000


def recognitions_resequence(*, product_ids) -> int:
    """Bring the data derived from the products' decisions in step with them; every write that adds, moves,
    changes or removes a decision (or revokes one) calls this, for the products it touched:

    - ``Evaluation.superseded_on``, the date of each decision's successor for the same product (null for the
      latest decision and for evaluations without a decision), so that "each product's latest recognition on a
      day" is a plain filter (:meth:`EvaluationQuerySet.latest_per_product`);
    - each product's current recognition (``Product.current_*``): a copy of its latest decision of all, by
      decision date then row, the one without a successor, so that the catalogue and the dashboard read it
      without joining the evaluations.

    Set-based whatever the number of products: per 5,000 products one query reads their evaluations (with the
    products' current columns), and only what changed is written (a bulk update of ``superseded_on``, one
    UPDATE of the products). Returns the rows changed.
    """
    product_ids = sorted(set(product_ids))
    changed = 0
    for start in range(0, len(product_ids), RESEQUENCE_CHUNK):
        changed += _resequence(product_ids[start : start + RESEQUENCE_CHUNK])
    data_version.bump()
    return changed


def _resequence(product_ids: list) -> int:
    decided = Q(status__in=DECIDED_STATUSES)
    rows = (
        Evaluation.objects.filter(product_id__in=product_ids)
        .annotate(decided=ExpressionWrapper(decided, output_field=BooleanField()))
        .annotate(
            # The next decision of the same product (the window runs over decisions and non-decisions apart).
            following=Window(
                Lead("decision_date"),
                partition_by=[F("product_id"), F("decided")],
                order_by=[F("decision_date").asc(), F("pk").asc()],
            )
        )
        .with_revoked_on()
        .values_list(
            "product_id", "decided", "following", "superseded_on", "pk", "stars", "decision_no", "decision_date",
            "revoked_on", *(f"product__{column}" for column in Product.CURRENT_COLUMNS),
        )
        .order_by()
    )
    stale, latest, stored = [], {}, {}
    width = len(Product.CURRENT_COLUMNS)
    for product_id, is_decided, following, superseded_on, *values in rows:
        current, stored[product_id] = tuple(values[:width]), tuple(values[width:])
        superseded = following if is_decided else None
        if superseded != superseded_on:
            stale.append(Evaluation(pk=current[0], superseded_on=superseded))
        if is_decided and following is None:  # without a successor: the product's latest decision
            latest[product_id] = current
    Evaluation.objects.bulk_update(stale, ["superseded_on"], batch_size=1000)
    changed = len(stale)
    without_evaluations = [pk for pk in product_ids if pk not in stored]
    if without_evaluations:  # the last evaluation deleted: no current recognition
        changed += Product.objects.filter(pk__in=without_evaluations).exclude(
            current_recognition=None, current_decision_date=None
        ).update(**dict(zip(Product.CURRENT_FIELDS, Product.NO_CURRENT_RECOGNITION)))
    copies = [pk for pk, values in stored.items() if values != latest.get(pk, Product.NO_CURRENT_RECOGNITION)]
    if copies:
        changed += _current_recognitions_copy(copies)
    return changed


def _current_recognitions_copy(product_ids) -> int:
    """Copy each product's latest decision into its ``current_*`` columns: one UPDATE that reads the values from
    the decisions themselves (``Evaluation.objects.current()``, true once ``superseded_on`` is)."""
    current = Evaluation.objects.current().filter(product=OuterRef("pk")).with_revoked_on().order_by()

    def copied(column, default=None):
        value = Subquery(current.values(column)[:1])
        return value if default is None else Coalesce(value, Value(default))

    return Product.objects.filter(pk__in=product_ids).update(
        current_recognition=copied("pk"),
        current_stars=copied("stars"),
        current_decision_no=copied("decision_no", default=""),
        current_decision_date=copied("decision_date"),
        current_revoked_on=copied("revoked_on"),
    )


def _decide(evaluation: Evaluation, **fields) -> Evaluation:
    """Set the decision's fields, check the whole evaluation against the rules, save."""
    for name, value in fields.items():
        setattr(evaluation, name, value)
    evaluation.full_clean()
    evaluation.save()
    return evaluation


def _recognise(evaluation: Evaluation, decision_no: str, decision_date: datetime.date) -> Evaluation:
    return _decide(
        evaluation, status=Evaluation.Status.RECOGNISED, decision_no=decision_no.strip(), decision_date=decision_date
    )


@transaction.atomic
def evaluation_recognise(*, evaluation: Evaluation, decision_no: str, decision_date: datetime.date) -> Evaluation:
    """Record the recognition decision (quyết định công nhận) on a scored evaluation."""
    _recognise(evaluation, decision_no, decision_date)
    recognitions_resequence(product_ids=[evaluation.product_id])
    evaluation.refresh_from_db(fields=["total", "stars", "superseded_on"])
    return evaluation


def _revoke(evaluation: Evaluation, revocation_no: str, revocation_date: datetime.date) -> Evaluation:
    return _decide(
        evaluation,
        status=Evaluation.Status.REVOKED,
        revocation_no=revocation_no.strip(),
        revocation_date=revocation_date,
    )


@transaction.atomic
def evaluation_revoke(*, evaluation: Evaluation, revocation_no: str, revocation_date: datetime.date) -> Evaluation:
    """Revoke (thu hồi) a recognition by decision. The record stays, shown as revoked."""
    _revoke(evaluation, revocation_no, revocation_date)
    recognitions_resequence(product_ids=[evaluation.product_id])
    return evaluation


@transaction.atomic
def evaluation_propose_national(
    *, evaluation: Evaluation, proposal_date: datetime.date, proposal_no: str = ""
) -> Evaluation:
    """Record the province's proposal of the product to the central council for 5 stars."""
    return _decide(evaluation, proposed_national=True, proposal_date=proposal_date, proposal_no=proposal_no.strip())


# Batches for the admin's workflow actions -------------------------------------------------------
# Each checks every selected evaluation first and reports every problem at once (in Vietnamese);
# then writes all of them in one transaction, so a batch is never half done.


def _batch_check(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def evaluation_recognise_batch(
    *, evaluations, decision_no: str, decision_date: datetime.date
) -> list[Evaluation]:
    """Recognise scored evaluations under one decision (number and date given once for the batch)."""
    evaluations = list(evaluations)
    decision_no = decision_no.strip()
    problems = []
    if not decision_no:
        problems.append(gettext("Cần nhập số quyết định."))
    date_problem = rules.decision_date_problem(decision_date=decision_date, today=timezone.localdate())
    if date_problem:
        problems.append(date_problem)
    seen_products = set()
    for evaluation in evaluations:
        label = str(evaluation.product)
        if evaluation.status != Evaluation.Status.SCORED:
            problems.append(
                gettext("%(product)s: chỉ công nhận được đánh giá “Đã chấm điểm” (đánh giá này: %(status)s).")
                % {"product": label, "status": evaluation.get_status_display()}
            )
        elif evaluation.not_rated or (evaluation.stars or 0) < rules.CERTIFIED_MIN_STARS:
            problems.append(
                gettext("%(product)s: chỉ công nhận sản phẩm đạt từ %(min)s sao trở lên.")
                % {"product": label, "min": rules.CERTIFIED_MIN_STARS}
            )
        else:
            problem = rules.recognition_level_problem(
                level=evaluation.level, stars=evaluation.stars, decision_date=decision_date
            )
            if problem:
                problems.append(gettext("%(product)s: %(problem)s") % {"product": label, "problem": problem})
        if evaluation.evaluated_on and decision_date < evaluation.evaluated_on:
            problems.append(
                gettext("%(product)s: ngày quyết định trước ngày đánh giá (%(day)s).")
                % {"product": label, "day": evaluation.evaluated_on.strftime("%d/%m/%Y")}
            )
        if evaluation.product_id in seen_products:
            problems.append(
                gettext("%(product)s: đã chọn hai đánh giá của cùng sản phẩm cho một quyết định.") % {"product": label}
            )
        seen_products.add(evaluation.product_id)
    clashes = (
        Evaluation.objects.filter(product_id__in=seen_products, decision_no=decision_no)
        .exclude(pk__in=[e.pk for e in evaluations])
        .select_related("product")
    )
    for clash in clashes:
        problems.append(
            gettext("%(product)s: đã được công nhận theo quyết định %(no)s.")
            % {"product": clash.product, "no": decision_no}
        )
    _batch_check(problems)
    recognised = [_recognise(evaluation, decision_no, decision_date) for evaluation in evaluations]
    recognitions_resequence(product_ids=seen_products)  # once for the batch, not once per evaluation
    return recognised


@transaction.atomic
def evaluation_revoke_batch(
    *, evaluations, revocation_no: str, revocation_date: datetime.date
) -> list[Evaluation]:
    """Revoke recognitions under one revocation decision."""
    evaluations = list(evaluations)
    problems = []
    if not revocation_no.strip():
        problems.append(gettext("Cần nhập số quyết định thu hồi."))
    for evaluation in evaluations:
        label = str(evaluation.product)
        if evaluation.status != Evaluation.Status.RECOGNISED:
            problems.append(
                gettext("%(product)s: chỉ thu hồi được đánh giá “Đã công nhận” (đánh giá này: %(status)s).")
                % {"product": label, "status": evaluation.get_status_display()}
            )
        elif evaluation.decision_date and revocation_date < evaluation.decision_date:
            problems.append(
                gettext("%(product)s: ngày thu hồi trước ngày quyết định công nhận (%(day)s).")
                % {"product": label, "day": evaluation.decision_date.strftime("%d/%m/%Y")}
            )
    _batch_check(problems)
    revoked = [_revoke(evaluation, revocation_no, revocation_date) for evaluation in evaluations]
    recognitions_resequence(product_ids={evaluation.product_id for evaluation in evaluations})
    return revoked


@transaction.atomic
def evaluation_propose_national_batch(
    *, evaluations, proposal_date: datetime.date, proposal_no: str = ""
) -> list[Evaluation]:
    """Record the province's proposal for 5 stars on scored or recognised provincial evaluations.

    Only provincial evaluations scored 90+ (or recorded from a decision at 4 stars without part
    scores) can be proposed: :attr:`Evaluation.qualifies_for_national_proposal`.
    """
    evaluations = list(evaluations)
    problems = []
    for evaluation in evaluations:
        label = str(evaluation.product)
        if evaluation.status not in (Evaluation.Status.SCORED, Evaluation.Status.RECOGNISED):
            problems.append(
                gettext(
                    "%(product)s: chỉ đề xuất được đánh giá đã chấm điểm hoặc đã công nhận (đánh giá này: %(status)s)."
                )
                % {"product": label, "status": evaluation.get_status_display()}
            )
        elif evaluation.level == rules.CouncilLevel.CENTRAL:
            problems.append(
                gettext("%(product)s: đánh giá của Hội đồng Trung ương, không cần đề xuất.") % {"product": label}
            )
        elif evaluation.level != rules.CouncilLevel.PROVINCE:
            problems.append(gettext("%(product)s: chỉ Hội đồng cấp tỉnh đề xuất 5 sao.") % {"product": label})
        elif evaluation.not_rated:
            problems.append(gettext("%(product)s: sản phẩm không đạt thì không thể đề xuất.") % {"product": label})
        elif evaluation.total is not None and evaluation.total < rules.NATIONAL_MIN_POINTS:
            problems.append(
                gettext("%(product)s: %(total)s điểm, chưa đủ %(min)s điểm để đề xuất 5 sao.")
                % {"product": label, "total": evaluation.total, "min": rules.NATIONAL_MIN_POINTS}
            )
        elif not evaluation.qualifies_for_national_proposal:
            problems.append(
                gettext("%(product)s: quyết định không kèm điểm chỉ đề xuất được khi ghi %(stars)s sao.")
                % {"product": label, "stars": rules.BELOW_CENTRAL_MAX_STARS}
            )
        elif evaluation.proposed_national:
            problems.append(gettext("%(product)s: đã được đề xuất 5 sao.") % {"product": label})
    _batch_check(problems)
    return [
        evaluation_propose_national(evaluation=evaluation, proposal_date=proposal_date, proposal_no=proposal_no)
        for evaluation in evaluations
    ]
