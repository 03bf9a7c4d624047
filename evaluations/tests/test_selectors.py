"""The counting rule (DOMAIN.md, "How a tally counts") as the selectors apply it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import selectors
from evaluations.models import Phase, Target
from evaluations.rules import CouncilLevel
from evaluations.services import evaluation_propose_national, evaluation_revoke
from tests.factories import make_evaluation, make_phase, make_product, make_recognition

D = datetime.date


def _target(phases, phase_name, measure="recognised", min_stars=3):
    phase = next(p for p in phases if p.name == phase_name)
    return next(t for t in phase.targets if t.measure == measure and t.min_stars == min_stars)


def _phases(day):
    """The phases' progress as the progress API computes it (:func:`selectors.progress_on`)."""
    return selectors.progress_on(day=day).phases


@pytest.fixture
def demo(db, demo_story):
    """The demo story, loaded once for the module (``demo_story``)."""


def test_mid_2020_reads_30_of_53_with_6_at_4_stars_and_24_at_3_stars(demo):
    progress = selectors.progress_on(day=D(2020, 6, 30))
    target = _target(progress.phases, "2018–2020")
    assert (target.achieved, target.target) == (30, 53)
    assert target.remaining == 23
    assert target.percent == 56.6
    tally = next(p for p in progress.phases if p.name == "2018–2020").tally
    assert tally.by_stars == {3: 24, 4: 6, 5: 0}
    assert progress.standing.valid_by_stars == {3: 24, 4: 6, 5: 0}
    assert progress.as_of == D(2020, 6, 30)


def test_the_day_before_round_one_of_2020_counts_only_the_2019_decision(demo):
    target = _target(_phases(D(2020, 6, 11)), "2018–2020")
    assert target.achieved == 13


def test_provincial_proposals_count_only_under_proposed_national(demo):
    phases = _phases(D(2020, 12, 31))
    assert _target(phases, "2018–2020", "proposed_national", 5).achieved == 2
    assert _target(phases, "2018–2020").achieved == 69  # the 90-point proposals are not recognitions


def test_the_dashboard_and_the_progress_api_agree(demo):
    """Both read the same tallies: the dashboard's phases and standing are the API's."""
    day = D(2026, 6, 30)
    progress, dashboard = selectors.progress_on(day=day), selectors.dashboard_on(day=day)
    assert progress.phases == dashboard.phases
    assert progress.standing == dashboard.standing


def test_cached_progress_is_progress_on(demo):
    day = D(2026, 6, 30)
    assert selectors.cached_progress_on(day=day) == selectors.progress_on(day=day)
    assert selectors.cached_progress_on(day=day) == selectors.progress_on(day=day)  # from the cache


def test_progress_takes_four_queries_whatever_the_data(db, django_assert_num_queries):
    """Phases and targets (2), the phases' tallies (1), the standing (1)."""
    make_recognition(stars=3, decision_date=D(2024, 1, 1))
    with django_assert_num_queries(4):
        selectors.progress_on(day=D(2026, 6, 30))
    for year in range(2019, 2025):
        make_recognition(stars=4, decision_date=D(year, 5, 5))
    make_phase(targets=[("A", "recognised", 3, 4, 10)])
    with django_assert_num_queries(4):
        selectors.progress_on(day=D(2026, 6, 30))


def test_dashboard_queries_do_not_depend_on_data(demo):
    with CaptureQueriesContext(connection) as demo_queries:
        selectors.dashboard_on(day=D(2026, 6, 30))
    assert len(demo_queries) <= 11


@pytest.mark.django_db
def test_product_recognised_twice_in_a_phase_counts_once_at_its_highest_star():
    product = make_product()
    make_recognition(product, stars=3, decision_date=D(2021, 3, 1))
    make_recognition(product, stars=4, decision_date=D(2023, 3, 1))
    phase = next(p for p in _phases(D(2025, 12, 31)) if p.name == "2021–2025")
    assert phase.tally.products == 1
    assert phase.tally.by_stars == {3: 0, 4: 1, 5: 0}


@pytest.mark.django_db
def test_upgrade_from_3_to_4_stars_moves_the_product_up_on_the_decision_date():
    product = make_product()
    make_recognition(product, stars=3, decision_date=D(2021, 3, 1))
    make_recognition(product, stars=4, decision_date=D(2024, 3, 1))
    before = selectors.standing_on(day=D(2024, 2, 29))
    after = selectors.standing_on(day=D(2024, 3, 1))
    assert before.valid_by_stars == {3: 1, 4: 0, 5: 0}
    assert after.valid_by_stars == {3: 0, 4: 1, 5: 0}


@pytest.mark.django_db
def test_five_stars_by_central_decision_counts_under_the_5_star_target():
    product = make_product()
    make_recognition(product, stars=4, decision_date=D(2022, 1, 10))
    make_recognition(product, stars=5, decision_date=D(2023, 6, 1), level=CouncilLevel.CENTRAL)
    phases = _phases(D(2025, 12, 31))
    assert _target(phases, "2021–2025", min_stars=5).achieved == 1
    assert _target(phases, "2021–2025", min_stars=3).achieved == 0


@pytest.mark.django_db
def test_provincial_proposal_is_not_a_recognition():
    product = make_product()
    proposal = make_evaluation(product, evaluated_on=D(2024, 10, 2), scores=(38, 24, 30))
    evaluation_propose_national(evaluation=proposal, proposal_date=D(2024, 10, 2), proposal_no="1/TTr")
    phase = next(p for p in _phases(D(2025, 1, 1)) if p.name == "2021–2025")
    assert phase.tally.proposed_national == 1
    assert phase.tally.products == 0
    assert selectors.standing_on(day=D(2025, 1, 1)).valid == 0


@pytest.mark.django_db
def test_re_recognition_of_a_product_certified_before_the_phase_is_shown():
    product = make_product()
    make_recognition(product, stars=3, decision_date=D(2019, 12, 23))
    make_recognition(product, stars=3, decision_date=D(2022, 12, 15))
    make_recognition(make_product(), stars=3, decision_date=D(2022, 12, 15))
    phase = next(p for p in _phases(D(2023, 1, 1)) if p.name == "2021–2025")
    assert (phase.tally.products, phase.tally.rerecognised, phase.tally.new) == (2, 1, 1)


@pytest.mark.django_db
def test_revoked_recognition_stops_counting_from_its_revocation_date():
    recognition = make_recognition(stars=3, decision_date=D(2021, 5, 1))
    evaluation_revoke(evaluation=recognition, revocation_no="9/QĐ", revocation_date=D(2022, 1, 10))
    on_eve = _target(_phases(D(2022, 1, 9)), "2021–2025")
    after = _target(_phases(D(2022, 1, 10)), "2021–2025")
    assert (on_eve.achieved, after.achieved) == (1, 0)
    assert selectors.standing_on(day=D(2022, 1, 9)).revoked == 0
    assert selectors.standing_on(day=D(2022, 1, 10)).revoked == 1


@pytest.mark.django_db
def test_pace_compares_elapsed_share_with_achieved_share():
    phase = make_phase(targets=[("3–4 sao", "recognised", 3, 4, 10)])
    for _ in range(2):
        make_recognition(stars=3, decision_date=D(2026, 3, 1))
    progress = next(p for p in _phases(D(2028, 7, 1)) if p.pk == phase.pk)
    target = progress.targets[0]
    assert 0.49 < progress.elapsed_share < 0.51
    assert (target.achieved, target.pace, target.remaining) == (2, "behind", 8)
    early = next(p for p in _phases(D(2026, 3, 1)) if p.pk == phase.pk)
    assert early.targets[0].pace == "on_track"


@pytest.mark.django_db
def test_expired_certificate_is_not_counted_as_current():
    make_recognition(stars=4, decision_date=D(2019, 12, 23))
    standing = selectors.standing_on(day=D(2023, 1, 1))
    assert standing.valid == 0
    assert standing.expired == 1


@pytest.mark.django_db
def test_certificate_is_valid_through_the_last_day_of_its_36_months():
    make_recognition(stars=3, decision_date=D(2019, 12, 23))
    assert selectors.standing_on(day=D(2022, 12, 23)).valid == 1
    assert selectors.standing_on(day=D(2022, 12, 24)).valid == 0
    assert selectors.standing_on(day=D(2022, 12, 24)).expired == 1


@pytest.mark.django_db
def test_expiring_within_90_days_lists_the_producer_contact():
    recognition = make_recognition(stars=3, decision_date=D(2019, 12, 23))
    make_recognition(stars=3, decision_date=D(2021, 1, 1))  # far from expiry
    # valid until 23/12/2022: 90 days before is 24/9/2022
    assert selectors.standing_on(day=D(2022, 9, 23)).expiring == 0
    assert selectors.standing_on(day=D(2022, 9, 24)).expiring == 1
    listed = list(selectors.expiring_certificates(day=D(2022, 9, 24)))
    assert [e.pk for e in listed] == [recognition.pk]
    assert listed[0].product.producer.phone == "0912345678"


@pytest.mark.django_db
def test_renewed_product_is_no_longer_expiring():
    product = make_product()
    make_recognition(product, stars=3, decision_date=D(2019, 12, 23))
    make_recognition(product, stars=3, decision_date=D(2022, 11, 1))
    assert list(selectors.expiring_certificates(day=D(2022, 11, 2))) == []
    assert selectors.standing_on(day=D(2022, 11, 2)).valid == 1


@pytest.mark.django_db
def test_breakdowns_count_latest_recognition_by_group_commune_district_and_kind():
    make_recognition(stars=3, decision_date=D(2024, 1, 1))
    data = selectors.dashboard_on(day=D(2024, 6, 1))
    assert [(r.key, r.valid) for r in data.by_group] == [(str(data.by_group[0].key), 1)]
    assert data.by_group[0].label.startswith("I.")
    assert sum(r.valid for r in data.by_commune) == 1
    assert sum(r.valid for r in data.by_district) == 1
    assert {r.key: r.valid for r in data.by_producer_kind}["htx"] == 1
    assert [(y.year, y.tally.new) for y in data.years] == [(2024, 1)]


@pytest.mark.django_db
def test_a_2026_2030_phase_added_as_the_admin_would_appears_with_no_code_change():
    phase = Phase(name="2026–2030", start=D(2026, 1, 1), end=D(2030, 12, 31))
    phase.full_clean()
    phase.save()
    target = Target(phase=phase, label="Sản phẩm đạt 3–4 sao", measure="recognised", min_stars=3, max_stars=4,
                    target_count=200)
    target.full_clean()
    target.save()
    make_recognition(stars=4, decision_date=D(2026, 3, 18))
    phases = _phases(D(2026, 6, 30))
    assert [p.name for p in phases] == ["2018–2020", "2021–2025", "2026–2030"]
    assert (phases[-1].targets[0].achieved, phases[-1].targets[0].target) == (1, 200)


def _count_queries(day):
    with CaptureQueriesContext(connection) as ctx:
        selectors.dashboard_on(day=day)
    return len(ctx)


@pytest.mark.django_db
def test_query_count_is_the_same_for_more_products_communes_and_phases():
    from tests.factories import any_commune, make_producer

    make_recognition(stars=3, decision_date=D(2024, 1, 1))
    baseline = _count_queries(D(2026, 6, 30))
    communes = list(type(any_commune()).objects.order_by("code")[:5])
    for index, commune in enumerate(communes):
        producer = make_producer(commune=commune)
        product = make_product(producer=producer, commune=commune)
        make_recognition(product, stars=3 + index % 2, decision_date=D(2020 + index, 2, 1))
    make_phase(targets=[("A", "recognised", 3, 4, 10)])
    make_phase(name="2031–2035", start=D(2031, 1, 1), end=D(2035, 12, 31), targets=[("B", "recognised", 3, 5, 5)])
    assert _count_queries(D(2026, 6, 30)) == baseline


@pytest.mark.django_db
def test_producers_by_kind_follow_each_products_latest_recognition():
    """Recognised in 2022, re-recognised in 2023 and that recognition revoked: the product is revoked,
    so its producer holds no valid certificate (not even through the older 2022 decision)."""
    from evaluations.services import evaluation_revoke

    product = make_product()
    make_recognition(product, stars=3, decision_date=D(2022, 3, 1))
    latest = make_recognition(product, stars=3, decision_date=D(2023, 3, 1))
    evaluation_revoke(evaluation=latest, revocation_no="9/QĐ-UBND", revocation_date=D(2023, 6, 1))
    rows = {r.key: (r.valid, r.recognised) for r in selectors.breakdown_by_producer_kind(day=D(2024, 1, 1))}
    assert rows[product.producer.kind] == (0, 0)
    assert selectors.standing_on(day=D(2024, 1, 1)).revoked == 1


@pytest.mark.django_db
def test_years_end_with_the_last_decision_even_for_a_far_future_date():
    make_recognition(stars=3, decision_date=D(2020, 3, 1))
    data = selectors.dashboard_on(day=D(2350, 1, 1))
    assert [y.year for y in data.years] == [2020]
