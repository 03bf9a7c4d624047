import datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from evaluations import rules
from evaluations.rules import CouncilLevel, RuleSet
from tests.factories import make_evaluation

BOUNDARIES = [(0, 1), (29, 1), (30, 2), (49, 2), (50, 3), (69, 3), (70, 4), (89, 4), (90, 5), (100, 5)]


@pytest.mark.parametrize("total, stars", BOUNDARIES)
def test_stars_for_every_boundary(total, stars):
    assert rules.stars_for(total) == stars


@pytest.mark.parametrize("total", [-1, 101])
def test_stars_for_refuses_impossible_totals(total):
    with pytest.raises(ValueError):
        rules.stars_for(total)


def split_total(total, rule_set):
    """Part scores under ``rule_set`` adding up to ``total``."""
    maxima = rules.PART_MAXIMA[rule_set]
    a = min(maxima.a, total)
    b = min(maxima.b, total - a)
    c = total - a - b
    assert c <= maxima.c
    return a, b, c


@pytest.mark.django_db
@pytest.mark.parametrize("rule_set", [RuleSet.R1048, RuleSet.R148])
@pytest.mark.parametrize("total, stars", BOUNDARIES)
def test_database_computes_stars_at_every_boundary_under_both_rule_sets(rule_set, total, stars):
    evaluation = make_evaluation(
        level=CouncilLevel.CENTRAL, scores=split_total(total, rule_set), rule_set=rule_set
    )
    assert (evaluation.total, evaluation.stars) == (total, stars)
    assert evaluation.computed_stars == stars


@pytest.mark.django_db
@pytest.mark.parametrize("level", [CouncilLevel.PROVINCE, CouncilLevel.DISTRICT])
def test_below_central_a_total_of_90_is_rated_4_stars(level):
    evaluation = make_evaluation(level=level, scores=(35, 25, 30), rule_set=RuleSet.R1048)
    assert (evaluation.total, evaluation.stars) == (90, 4)


@pytest.mark.django_db
def test_not_rated_has_no_stars_whatever_its_points():
    evaluation = make_evaluation(scores=(30, 20, 30), not_rated=True)
    assert evaluation.total == 80
    assert evaluation.stars is None


def test_part_maxima_per_rule_set():
    assert rules.PART_MAXIMA[RuleSet.R1048] == rules.PartMaxima(a=35, b=25, c=40)
    assert rules.PART_MAXIMA[RuleSet.R148] == rules.PartMaxima(a=40, b=25, c=35)
    for maxima in rules.PART_MAXIMA.values():
        assert maxima.a + maxima.b + maxima.c == 100


def test_rule_set_follows_the_date():
    assert rules.rule_set_for(datetime.date(2023, 2, 23)) == RuleSet.R1048
    assert rules.rule_set_for(datetime.date(2023, 2, 24)) == RuleSet.R148


def test_certificate_is_valid_36_months_from_the_decision_date_inclusive():
    decided = datetime.date(2019, 12, 23)
    assert rules.certificate_valid_until(decided) == datetime.date(2022, 12, 23)
    assert rules.earliest_valid_decision_date(datetime.date(2022, 12, 23)) == decided
    assert rules.earliest_valid_decision_date(datetime.date(2022, 12, 24)) > decided


def test_leap_day_certificate_ends_on_the_last_day_of_february():
    assert rules.certificate_valid_until(datetime.date(2020, 2, 29)) == datetime.date(2023, 2, 28)


@example(decided=datetime.date(2021, 2, 28), day=datetime.date(2024, 2, 29))
@given(
    decided=st.dates(min_value=datetime.date(2019, 1, 1), max_value=datetime.date(2030, 12, 31)),
    day=st.dates(min_value=datetime.date(2019, 1, 1), max_value=datetime.date(2034, 12, 31)),
)
def test_database_filter_agrees_with_valid_until(decided, day):
    """valid_on(day) filters by decision date ≥ earliest_valid_decision_date(day); it must agree with valid_until."""
    by_valid_until = decided <= day <= rules.certificate_valid_until(decided)
    by_filter = rules.earliest_valid_decision_date(day) <= decided <= day
    assert by_valid_until == by_filter


@pytest.mark.parametrize(
    "decided, day, valid",
    [
        (datetime.date(2021, 2, 28), datetime.date(2024, 2, 28), True),
        (datetime.date(2021, 2, 28), datetime.date(2024, 2, 29), False),  # valid until 28/02/2024
        (datetime.date(2021, 3, 1), datetime.date(2024, 2, 29), True),
        (datetime.date(2020, 2, 29), datetime.date(2023, 2, 28), True),
        (datetime.date(2020, 2, 29), datetime.date(2023, 3, 1), False),
    ],
)
def test_month_end_and_leap_day_boundaries(decided, day, valid):
    assert (decided <= day <= rules.certificate_valid_until(decided)) is valid
    assert (rules.earliest_valid_decision_date(day) <= decided <= day) is valid


def test_every_decision_date_agrees_with_the_database_filters():
    """An exhaustive sweep over four years of decisions, on the days around each boundary."""
    from evaluations.models import Evaluation

    start = datetime.date(2019, 1, 1)
    for offset in range(4 * 366):
        decided = start + datetime.timedelta(days=offset)
        until = rules.certificate_valid_until(decided)
        for day in (until - datetime.timedelta(days=91), until - datetime.timedelta(days=90),
                    until - datetime.timedelta(days=89), until, until + datetime.timedelta(days=1)):
            valid = decided <= day <= until
            assert (rules.earliest_valid_decision_date(day) <= decided <= day) == valid, (decided, day)
            expiring = valid and (until - day).days <= rules.EXPIRING_SOON_DAYS
            assert (valid and decided < rules.expiring_decided_before(day)) == expiring, (decided, day)
            evaluation = Evaluation(decision_date=decided, status=Evaluation.Status.RECOGNISED)
            expected = "expiring" if expiring else "valid" if valid else "expired"
            assert evaluation.certificate_status(day) == expected, (decided, day)


@pytest.mark.django_db
def test_certificate_status_is_the_same_in_python_and_in_the_database():
    """One definition (``rules.CertificateStatus``): the Python function, the CASE expression and the conditions agree
    on every side of each boundary, revoked or not."""
    from django.db.models import BooleanField, DateField, ExpressionWrapper, Value

    from products.models import Commune

    day = datetime.date(2024, 2, 29)
    valid_from = rules.earliest_valid_decision_date(day)
    expiring_before = rules.expiring_decided_before(day)
    decided = [valid_from - datetime.timedelta(days=1), valid_from, expiring_before - datetime.timedelta(days=1),
               expiring_before, day]
    revoked = [None, day - datetime.timedelta(days=1), day, day + datetime.timedelta(days=1)]
    cases = [(d, r) for d in decided for r in revoked]
    annotations = {}
    for n, (decision_date, revoked_on) in enumerate(cases):
        annotations[f"d{n}"] = Value(decision_date, output_field=DateField())
        annotations[f"r{n}"] = Value(revoked_on, output_field=DateField())
    queryset = Commune.objects.annotate(**annotations)
    columns = {}
    for n in range(len(cases)):
        conditions = rules.certificate_status_conditions(day, decision_date=f"d{n}", revoked_on=f"r{n}")
        columns[f"s{n}"] = rules.certificate_status_expression(day, decision_date=f"d{n}", revoked_on=f"r{n}")
        for status, condition in conditions.items():
            name = "in_force" if status == rules.CERTIFICATE_IN_FORCE else status
            columns[f"{name}{n}"] = ExpressionWrapper(condition, output_field=BooleanField())
    row = queryset.annotate(**columns).values(*columns).first()
    seen = set()
    for n, (decision_date, revoked_on) in enumerate(cases):
        expected = rules.certificate_status(day=day, decision_date=decision_date, revoked_on=revoked_on)
        seen.add(expected)
        assert row[f"s{n}"] == expected, (decision_date, revoked_on)
        assert [s for s in rules.CertificateStatus if row[f"{s}{n}"]] == [expected], (decision_date, revoked_on)
        assert row[f"in_force{n}"] == (expected in rules.CERTIFICATE_IN_FORCE)
    assert seen == set(rules.CertificateStatus)


def test_the_public_status_reports_an_expiring_certificate_as_valid():
    assert [rules.public_certificate_status(s) for s in rules.CertificateStatus] == [
        "valid", "valid", "expired", "revoked"
    ]
    assert [str(s.label) for s in rules.CertificateStatus] == [
        "Còn hiệu lực", "Sắp hết hiệu lực", "Hết hiệu lực", "Đã thu hồi"
    ]


# A decision's date (the one check the admin, the decision actions and the import call) -----------------

TODAY = datetime.date(2025, 10, 1)


@pytest.mark.parametrize(
    "decision_date, rule_set, evaluated_on, refused_because",
    [
        (datetime.date(2025, 10, 2), "", None, "ở tương lai"),
        (datetime.date(2017, 12, 31), "", None, "trước khi có chương trình OCOP"),
        (datetime.date(2024, 5, 1), RuleSet.R148, datetime.date(2024, 5, 2), "trước ngày đánh giá 02/05/2024"),
        # The typo: a recognition under the 148 rules dated 2020.
        (datetime.date(2020, 1, 1), RuleSet.R148, None, "trước khi bộ tiêu chí 148 có hiệu lực (24/02/2023)"),
        (datetime.date(2023, 2, 23), RuleSet.R148, None, "trước khi bộ tiêu chí 148 có hiệu lực"),
        # After 1048 ended, only to close a round evaluated under it.
        (datetime.date(2024, 5, 1), RuleSet.R1048, None, "sau khi bộ tiêu chí 1048 hết hiệu lực (23/02/2023)"),
        (datetime.date(2024, 5, 1), RuleSet.R1048, datetime.date(2023, 3, 1), "sau khi bộ tiêu chí 1048 hết hiệu lực"),
    ],
)
def test_a_decision_date_outside_what_the_rules_allow_is_refused(
    decision_date, rule_set, evaluated_on, refused_because
):
    problem = rules.decision_date_problem(
        decision_date=decision_date, today=TODAY, rule_set=rule_set, evaluated_on=evaluated_on
    )
    assert refused_because in problem


@pytest.mark.parametrize(
    "decision_date, rule_set, evaluated_on",
    [
        (datetime.date(2018, 1, 1), RuleSet.R1048, None),  # the programme's first day
        (datetime.date(2019, 12, 23), RuleSet.R1048, datetime.date(2019, 12, 1)),
        (datetime.date(2023, 2, 24), RuleSet.R148, None),  # 148's first day
        (datetime.date(2023, 4, 10), RuleSet.R1048, datetime.date(2023, 2, 10)),  # a 1048 round closed late
        (TODAY, RuleSet.R148, TODAY),
    ],
)
def test_a_decision_date_within_its_rule_set_is_accepted(decision_date, rule_set, evaluated_on):
    assert rules.decision_date_problem(
        decision_date=decision_date, today=TODAY, rule_set=rule_set, evaluated_on=evaluated_on
    ) is None


def test_every_day_of_the_programme_falls_in_the_rule_set_in_force_that_day():
    day = rules.OCOP_START
    while day <= TODAY:
        start, end = rules.rule_set_period(rules.rule_set_for(day))
        assert start <= day and (end is None or day <= end), day
        day += datetime.timedelta(days=29)


def test_an_evaluation_cannot_be_dated_before_its_rule_set():
    assert "trước khi bộ tiêu chí 148 có hiệu lực" in rules.evaluation_date_problem(
        evaluated_on=datetime.date(2022, 12, 1), rule_set=RuleSet.R148
    )
    # A council may finish a round under the old set after the new one starts.
    assert rules.evaluation_date_problem(evaluated_on=datetime.date(2023, 3, 1), rule_set=RuleSet.R1048) is None


def test_a_second_recognition_on_the_same_day_names_the_first():
    day = datetime.date(2024, 6, 1)
    earlier = [("12/QĐ-UBND", datetime.date(2023, 1, 5)), ("925/QĐ-UBND", day)]
    problem = rules.same_day_recognition_problem(decision_date=day, earlier=earlier)
    assert "925/QĐ-UBND" in problem and "01/06/2024" in problem
    assert rules.same_day_recognition_problem(decision_date=datetime.date(2024, 6, 2), earlier=earlier) is None
