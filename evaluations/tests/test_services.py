"""The evaluation services: the status that follows the outcome, and recording an evaluation."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from evaluations import rules
from evaluations.models import Evaluation, EvaluationStatus
from evaluations.rules import CouncilLevel
from evaluations.services import evaluation_propose_national_batch, evaluation_record, evaluation_status_for_outcome
from tests.factories import make_evaluation, make_product

DRAFT, SCORED, RECOGNISED, REVOKED = (
    EvaluationStatus.DRAFT,
    EvaluationStatus.SCORED,
    EvaluationStatus.RECOGNISED,
    EvaluationStatus.REVOKED,
)


@pytest.mark.parametrize(
    "outcome, status",
    [
        ({}, DRAFT),
        ({"score_a": 30, "score_b": 20, "score_c": 25}, SCORED),
        ({"score_a": 0, "score_b": 0, "score_c": 0}, SCORED),  # zero points are points
        ({"score_a": 30, "score_b": 20}, DRAFT),  # a part missing: no total yet
        ({"declared_stars": 4}, SCORED),
        ({"not_rated": True}, SCORED),
    ],
)
def test_until_a_decision_the_status_follows_the_outcome(outcome, status):
    assert evaluation_status_for_outcome(**outcome) == status
    assert evaluation_status_for_outcome(status=SCORED, **outcome) == status
    assert evaluation_status_for_outcome(status=DRAFT, **outcome) == status


@pytest.mark.parametrize("decided", [RECOGNISED, REVOKED])
@pytest.mark.parametrize("outcome", [{}, {"score_a": 30, "score_b": 20, "score_c": 25}, {"not_rated": True}])
def test_a_decided_evaluation_keeps_its_status(decided, outcome):
    assert evaluation_status_for_outcome(status=decided, **outcome) == decided


@pytest.mark.django_db
@pytest.mark.parametrize(
    "outcome, status",
    [
        ({"score_a": 30, "score_b": 20, "score_c": 25}, SCORED),
        ({"declared_stars": 3}, SCORED),
        ({"not_rated": True}, SCORED),
        ({}, DRAFT),
    ],
)
def test_recording_an_evaluation_sets_the_status_from_its_outcome(outcome, status):
    evaluation = evaluation_record(product=make_product(), level=CouncilLevel.PROVINCE, **outcome)
    assert evaluation.status == status
    assert Evaluation.objects.get(pk=evaluation.pk).status == status


@pytest.mark.django_db
def test_a_proposal_needs_the_points_of_five_stars():
    just_below = make_evaluation(scores=(38, 24, rules.NATIONAL_MIN_POINTS - 1 - 38 - 24))
    with pytest.raises(ValidationError) as refused:
        evaluation_propose_national_batch(evaluations=[just_below], proposal_date=datetime.date(2024, 7, 1))
    assert f"chưa đủ {rules.NATIONAL_MIN_POINTS} điểm" in str(refused.value)
    at_the_threshold = make_evaluation(scores=(38, 24, rules.NATIONAL_MIN_POINTS - 38 - 24))
    [proposed] = evaluation_propose_national_batch(
        evaluations=[at_the_threshold], proposal_date=datetime.date(2024, 7, 1)
    )
    assert proposed.proposed_national
