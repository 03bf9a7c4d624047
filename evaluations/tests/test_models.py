import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from evaluations import rules
from evaluations.models import Evaluation, Phase, Target
from evaluations.rules import CouncilLevel, RuleSet
from evaluations.services import evaluation_propose_national, evaluation_recognise, evaluation_revoke
from tests.factories import make_evaluation, make_product, make_recognition

pytestmark = pytest.mark.django_db
DAY = datetime.date(2024, 6, 1)


def raw_evaluation(**fields):
    """An evaluation saved straight to the database, bypassing clean(): only the constraints stand guard."""
    values = {"product": make_product(), "level": CouncilLevel.PROVINCE, "rule_set": RuleSet.R148}
    values.update(fields)
    return Evaluation.objects.create(**values)


def assert_refused_by_database(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_evaluation(**fields)


def assert_refused_by_clean(field, **fields):
    values = {"product": make_product(), "level": CouncilLevel.PROVINCE, "rule_set": RuleSet.R148}
    values.update(fields)
    with pytest.raises(ValidationError) as error:
        Evaluation(**values).full_clean()
    assert field in error.value.message_dict, error.value.message_dict
    return error.value.message_dict[field]


# Part maxima -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule_set, scores, too_high",
    [
        (RuleSet.R1048, (35, 25, 40), None),
        (RuleSet.R1048, (36, 24, 40), "score_a"),  # A max 35 under 1048
        (RuleSet.R148, (40, 25, 35), None),
        (RuleSet.R148, (35, 25, 36), "score_c"),  # C max 35 under 148
        (RuleSet.R148, (30, 26, 30), "score_b"),  # B max 25 under both
    ],
)
def test_part_scores_are_bounded_by_the_rule_sets_maxima(rule_set, scores, too_high):
    a, b, c = scores
    fields = {"rule_set": rule_set, "score_a": a, "score_b": b, "score_c": c, "status": "scored"}
    if too_high is None:
        assert raw_evaluation(**fields).pk
    else:
        assert_refused_by_database(**fields)
        assert "Tối đa" in " ".join(assert_refused_by_clean(too_high, **fields))


def test_part_scores_come_all_together_or_not_at_all():
    assert_refused_by_database(score_a=20, score_b=None, score_c=20)
    assert_refused_by_clean("score_a", score_a=20, score_c=20)


def test_rule_set_defaults_from_the_evaluation_date():
    evaluation = make_evaluation(evaluated_on=datetime.date(2022, 5, 1), scores=(35, 20, 40))
    assert evaluation.rule_set == RuleSet.R1048
    evaluation = make_evaluation(evaluated_on=datetime.date(2023, 3, 1), scores=(40, 20, 30))
    assert evaluation.rule_set == RuleSet.R148


def test_staff_may_keep_the_old_rule_set_after_the_change():
    evaluation = make_evaluation(evaluated_on=datetime.date(2023, 3, 1), rule_set=RuleSet.R1048, scores=(35, 20, 40))
    assert (evaluation.rule_set, evaluation.total) == (RuleSet.R1048, 95)


def test_rule_set_must_be_known():
    assert_refused_by_database(rule_set="999")


# Stars and outcomes ----------------------------------------------------------------------------


def test_declared_stars_only_without_part_scores():
    assert_refused_by_database(declared_stars=3, score_a=20, score_b=15, score_c=20)
    assert_refused_by_clean("declared_stars", declared_stars=3, score_a=20, score_b=15, score_c=20)
    evaluation = raw_evaluation(declared_stars=3, status="scored")
    evaluation.refresh_from_db()
    assert (evaluation.total, evaluation.stars) == (None, 3)


def test_declared_stars_range():
    assert_refused_by_database(declared_stars=6)
    assert_refused_by_clean("declared_stars", declared_stars=0)


def test_five_stars_only_at_the_central_level():
    assert_refused_by_database(declared_stars=5, level=CouncilLevel.PROVINCE)
    assert "Trung ương" in " ".join(assert_refused_by_clean("level", declared_stars=5, level=CouncilLevel.PROVINCE))
    assert raw_evaluation(declared_stars=5, level=CouncilLevel.CENTRAL).pk


def test_a_scored_evaluation_has_an_outcome():
    assert_refused_by_database(status="scored")
    assert_refused_by_clean("status", status="scored")
    assert raw_evaluation(status="draft").pk
    assert raw_evaluation(status="scored", not_rated=True).pk


def test_a_recognition_has_a_decision_number_and_date():
    assert_refused_by_database(status="recognised", declared_stars=3, decision_date=DAY)
    assert_refused_by_database(status="recognised", declared_stars=3, decision_no="1/QĐ-UBND")
    assert_refused_by_clean("decision_no", status="recognised", declared_stars=3, decision_date=DAY)
    assert_refused_by_clean("decision_date", status="recognised", declared_stars=3, decision_no="1/QĐ-UBND")


def test_only_three_stars_or_more_are_recognised():
    fields = {"status": "recognised", "decision_no": "1/QĐ-UBND", "decision_date": DAY}
    assert_refused_by_database(score_a=15, score_b=10, score_c=15, **fields)  # 40 points, 2 stars
    assert_refused_by_database(not_rated=True, **fields)
    assert_refused_by_clean("status", score_a=15, score_b=10, score_c=15, **fields)


def test_a_revocation_is_a_decision_after_the_recognition():
    recognised = {"declared_stars": 3, "decision_no": "1/QĐ-UBND", "decision_date": DAY}
    assert_refused_by_database(status="revoked", **recognised)
    assert_refused_by_database(
        status="revoked", revocation_no="9/QĐ", revocation_date=DAY - datetime.timedelta(days=1), **recognised
    )
    assert_refused_by_clean("revocation_no", status="revoked", **recognised)
    assert_refused_by_clean(
        "revocation_date", status="revoked", revocation_no="9/QĐ", revocation_date=DAY - datetime.timedelta(days=1),
        **recognised,
    )


def test_a_proposal_for_five_stars_is_provincial_and_dated():
    assert_refused_by_database(proposed_national=True, declared_stars=4, status="scored")
    assert_refused_by_database(
        proposed_national=True, proposal_date=DAY, level=CouncilLevel.CENTRAL, declared_stars=4, status="scored"
    )
    assert_refused_by_clean("proposal_date", proposed_national=True, declared_stars=4, status="scored")
    assert_refused_by_clean(
        "proposed_national", proposed_national=True, proposal_date=DAY, level=CouncilLevel.CENTRAL, declared_stars=4
    )


def test_one_recognition_per_product_per_decision():
    first = make_recognition(decision_no="5445/QĐ-UBND")
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_evaluation(product=first.product, decision_no="5445/QĐ-UBND", decision_date=DAY, declared_stars=3,
                       status="recognised")
    with pytest.raises(ValidationError):
        make_recognition(first.product, decision_no="5445/QĐ-UBND")
    assert make_recognition(decision_no="5445/QĐ-UBND").pk  # the same decision covers other products


# Services and derived values -------------------------------------------------------------------


def test_recognise_revoke_and_certificate_status():
    evaluation = make_recognition(stars=4, decision_date=datetime.date(2019, 12, 23))
    assert evaluation.status == Evaluation.Status.RECOGNISED and evaluation.stars == 4
    assert evaluation.valid_until == datetime.date(2022, 12, 23)
    assert evaluation.certificate_status(datetime.date(2022, 6, 1)) == "valid"
    assert evaluation.certificate_status(datetime.date(2022, 12, 23)) == "expiring"
    assert evaluation.certificate_status(datetime.date(2022, 12, 24)) == "expired"
    evaluation_revoke(evaluation=evaluation, revocation_no="1520/QĐ-UBND", revocation_date=datetime.date(2021, 5, 10))
    assert evaluation.certificate_status(datetime.date(2021, 5, 9)) == "valid"
    assert evaluation.certificate_status(datetime.date(2021, 5, 10)) == "revoked"


def test_recognising_a_draft_is_refused():
    draft = make_evaluation(scores=None)
    assert draft.status == Evaluation.Status.DRAFT
    with pytest.raises(ValidationError):
        evaluation_recognise(evaluation=draft, decision_no="1/QĐ-UBND", decision_date=DAY)


def test_province_proposes_a_90_point_product_recorded_at_4_stars():
    evaluation = make_evaluation(scores=(38, 24, 30))
    evaluation = evaluation_propose_national(evaluation=evaluation, proposal_date=DAY, proposal_no="45/TTr")
    evaluation.refresh_from_db()
    assert (evaluation.total, evaluation.stars, evaluation.proposed_national) == (92, 4, True)
    assert list(Evaluation.objects.proposals()) == [evaluation]
    assert not Evaluation.objects.recognised().exists()


def test_valid_on_uses_the_36_month_boundary():
    evaluation = make_recognition(decision_date=datetime.date(2019, 12, 23))
    assert Evaluation.objects.valid_on(datetime.date(2022, 12, 23)).filter(pk=evaluation.pk).exists()
    assert not Evaluation.objects.valid_on(datetime.date(2022, 12, 24)).filter(pk=evaluation.pk).exists()
    assert not Evaluation.objects.valid_on(datetime.date(2019, 12, 22)).filter(pk=evaluation.pk).exists()


def test_changes_are_recorded_in_the_history():
    evaluation = make_evaluation()
    evaluation_recognise(evaluation=evaluation, decision_no="7/QĐ-UBND", decision_date=DAY)
    statuses = list(evaluation.history.order_by("history_date").values_list("status", flat=True))
    assert statuses == ["scored", "recognised"]


# Phases and targets --------------------------------------------------------------------------------


def test_seeded_phases_and_targets_match_the_provincial_plan():
    rows = list(
        Target.objects.order_by("phase__start", "position").values_list(
            "phase__name", "measure", "min_stars", "max_stars", "target_count"
        )
    )
    assert rows == [
        ("2018–2020", "recognised", 3, 4, 53),
        ("2018–2020", "proposed_national", 5, 5, 1),
        ("2021–2025", "recognised", 3, 4, 120),
        ("2021–2025", "recognised", 5, 5, 3),
    ]


def test_phase_must_end_after_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.create(name="x", start=DAY, end=DAY)
    with pytest.raises(ValidationError):
        Phase(name="x", start=DAY, end=DAY).full_clean()


@pytest.mark.parametrize("min_stars, max_stars, count", [(2, 4, 10), (4, 3, 10), (3, 6, 10), (3, 4, 0)])
def test_target_star_range_and_count_are_checked(min_stars, max_stars, count):
    phase = Phase.objects.get(name="2021–2025")
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(phase=phase, label="x", min_stars=min_stars, max_stars=max_stars, target_count=count)
    with pytest.raises(ValidationError):
        Target(phase=phase, label="x", min_stars=min_stars, max_stars=max_stars, target_count=count).full_clean()


def test_target_labels_are_unique_within_a_phase():
    phase = Phase.objects.get(name="2021–2025")
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(phase=phase, label="Sản phẩm đạt 5 sao", min_stars=5, max_stars=5, target_count=3)


# Who decides ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "level, stars, decision_date, field",
    [
        (CouncilLevel.DISTRICT, 4, datetime.date(2024, 3, 10), "level"),  # districts recognise 3★ only
        (CouncilLevel.DISTRICT, 3, datetime.date(2020, 3, 10), "level"),  # under 1048 districts only screened
        (CouncilLevel.DISTRICT, 3, datetime.date(2025, 8, 1), "level"),  # no districts after 1/7/2025
        (CouncilLevel.CENTRAL, 3, datetime.date(2024, 3, 10), "level"),  # the central council decides 5★ only
        (CouncilLevel.PROVINCE, 3, datetime.date(2017, 6, 1), "decision_date"),  # before the programme
        (CouncilLevel.PROVINCE, 3, datetime.date(2099, 6, 1), "decision_date"),  # in the future
    ],
)
def test_a_recognition_must_be_one_the_council_could_decide(level, stars, decision_date, field):
    evaluation = raw_evaluation(level=level, declared_stars=stars, status="scored",
                                rule_set=rules.rule_set_for(min(decision_date, datetime.date.today())))
    with pytest.raises(ValidationError) as error:
        evaluation_recognise(evaluation=evaluation, decision_no="1/QĐ-UBND", decision_date=decision_date)
    assert field in error.value.message_dict


@pytest.mark.parametrize(
    "level, stars, decision_date",
    [
        (CouncilLevel.DISTRICT, 3, datetime.date(2024, 3, 10)),
        (CouncilLevel.PROVINCE, 3, datetime.date(2020, 3, 10)),
        (CouncilLevel.PROVINCE, 4, datetime.date(2025, 10, 1)),
        (CouncilLevel.CENTRAL, 5, datetime.date(2022, 6, 20)),
    ],
)
def test_recognitions_each_council_can_decide(level, stars, decision_date):
    evaluation = raw_evaluation(level=level, declared_stars=stars, status="scored",
                                rule_set=rules.rule_set_for(decision_date))
    evaluation_recognise(evaluation=evaluation, decision_no="1/QĐ-UBND", decision_date=decision_date)
    assert Evaluation.objects.recognised().get().stars == stars


def test_only_a_provincial_90_point_evaluation_can_be_proposed():
    below_90 = make_evaluation(scores=(35, 25, 29))  # 89 points
    with pytest.raises(ValidationError):
        evaluation_propose_national(evaluation=below_90, proposal_date=DAY)
    declared_3 = raw_evaluation(declared_stars=3, status="scored")
    with pytest.raises(ValidationError):
        evaluation_propose_national(evaluation=declared_3, proposal_date=DAY)
    district = make_evaluation(level=CouncilLevel.DISTRICT, scores=(38, 24, 30))
    with pytest.raises(ValidationError):
        evaluation_propose_national(evaluation=district, proposal_date=DAY)
    declared_4 = raw_evaluation(declared_stars=4, status="scored")
    assert evaluation_propose_national(evaluation=declared_4, proposal_date=DAY).proposed_national
    # The database holds the same line.
    assert_refused_by_database(proposed_national=True, proposal_date=DAY, declared_stars=3, status="scored")
    assert_refused_by_database(
        proposed_national=True, proposal_date=DAY, score_a=35, score_b=25, score_c=29, status="scored"
    )


def test_a_target_shows_its_english_label_on_english_pages_and_falls_back_to_vietnamese():
    phase = Phase.objects.get(name="2021–2025")
    named = Target.objects.create(phase=phase, label="Sản phẩm mới", label_en="New products", target_count=5)
    unnamed = Target.objects.create(phase=phase, label="Sản phẩm khác", target_count=5)
    assert (named.display_label, unnamed.display_label) == ("Sản phẩm mới", "Sản phẩm khác")
    with translation.override("en"):
        assert (named.display_label, unnamed.display_label) == ("New products", "Sản phẩm khác")
    with translation.override("en-gb"):
        assert named.display_label == "New products"


def test_a_target_count_of_zero_is_refused_on_its_field_in_vietnamese():
    phase = Phase.objects.get(name="2021–2025")
    target = Target(phase=phase, label="Không có gì", target_count=0)
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert error.value.message_dict == {"target_count": ["Chỉ tiêu phải lớn hơn 0."]}
