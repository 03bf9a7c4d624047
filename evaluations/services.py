"""Writes with rules for evaluations: record, recognise, revoke, propose for 5 stars."""

import datetime

from django.db import transaction

from .models import Evaluation


@transaction.atomic
def evaluation_record(
    *,
    product,
    level: str,
    evaluated_on: datetime.date | None = None,
    rule_set: str = "",
    score_a: int | None = None,
    score_b: int | None = None,
    score_c: int | None = None,
    declared_stars: int | None = None,
    not_rated: bool = False,
    notes: str = "",
) -> Evaluation:
    """Record a council's evaluation. With an outcome (scores, stars or "not rated") it is "scored"."""
    has_outcome = not_rated or declared_stars is not None or None not in (score_a, score_b, score_c)
    evaluation = Evaluation(
        product=product,
        level=level,
        evaluated_on=evaluated_on,
        rule_set=rule_set,
        score_a=score_a,
        score_b=score_b,
        score_c=score_c,
        declared_stars=declared_stars,
        not_rated=not_rated,
        notes=notes,
        status=Evaluation.Status.SCORED if has_outcome else Evaluation.Status.DRAFT,
    )
    evaluation.full_clean()
    evaluation.save()
    evaluation.refresh_from_db(fields=["total", "stars"])
    return evaluation


@transaction.atomic
def evaluation_recognise(*, evaluation: Evaluation, decision_no: str, decision_date: datetime.date) -> Evaluation:
    """Record the recognition decision (quyết định công nhận) on a scored evaluation."""
    evaluation.status = Evaluation.Status.RECOGNISED
    evaluation.decision_no = decision_no.strip()
    evaluation.decision_date = decision_date
    evaluation.full_clean()
    evaluation.save()
    evaluation.refresh_from_db(fields=["total", "stars"])
    return evaluation


@transaction.atomic
def evaluation_revoke(*, evaluation: Evaluation, revocation_no: str, revocation_date: datetime.date) -> Evaluation:
    """Revoke (thu hồi) a recognition by decision. The record stays, shown as revoked."""
    evaluation.status = Evaluation.Status.REVOKED
    evaluation.revocation_no = revocation_no.strip()
    evaluation.revocation_date = revocation_date
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@transaction.atomic
def evaluation_propose_national(
    *, evaluation: Evaluation, proposal_date: datetime.date, proposal_no: str = ""
) -> Evaluation:
    """Record the province's proposal of the product to the central council for 5 stars."""
    evaluation.proposed_national = True
    evaluation.proposal_date = proposal_date
    evaluation.proposal_no = proposal_no.strip()
    evaluation.full_clean()
    evaluation.save()
    return evaluation
