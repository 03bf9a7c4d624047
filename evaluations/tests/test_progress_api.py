"""GET /api/v1/progress/: public, read-only, headline figures only."""

import datetime

import pytest
from django.test import Client

from tests.factories import make_phase, make_producer, make_product, make_recognition

D = datetime.date
URL = "/api/v1/progress/"


@pytest.fixture
def api():
    return Client()


@pytest.mark.django_db
def test_progress_shape_and_figures(api):
    make_recognition(stars=4, decision_date=D(2019, 12, 23))
    make_recognition(stars=3, decision_date=D(2020, 6, 12))
    body = api.get(URL, {"as_of": "2020-06-30"}).json()
    assert body["as_of"] == "2020-06-30"
    assert [p["name"] for p in body["phases"]] == ["2018–2020", "2021–2025"]
    first = body["phases"][0]
    assert (first["start"], first["end"]) == ("2018-01-01", "2020-12-31")
    target = first["targets"][0]
    assert set(target) == {"label", "measure", "min_stars", "max_stars", "target", "achieved", "percent"}
    assert (target["achieved"], target["target"], target["percent"]) == (2, 53, 3.8)
    assert body["current"] == {"valid_by_stars": {"3": 1, "4": 1, "5": 0}, "expired": 0, "revoked": 0,
                               "expiring_90_days": 0}


@pytest.mark.django_db
def test_progress_has_no_contact_data(api):
    producer = make_producer(phone="0988777666", email="lienhe@example.vn")
    make_recognition(make_product(producer=producer), stars=3, decision_date=D(2019, 12, 23))
    text = api.get(URL, {"as_of": "2022-11-01"}).content.decode()
    assert "0988777666" not in text and "lienhe@example.vn" not in text
    assert '"expiring_90_days":1' in text.replace(" ", "")


@pytest.mark.django_db
def test_as_of_defaults_to_today(api):
    assert api.get(URL).json()["as_of"] == datetime.date.today().isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["30/06/2020", "2020-02-30", "abc", "2020-6-1", "0001-01-01"])
def test_malformed_as_of_is_a_400_with_a_message(api, value):
    response = api.get(URL, {"as_of": value})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["detail"]


@pytest.mark.django_db
def test_progress_is_read_only(api):
    assert api.post(URL, {}).status_code == 405


@pytest.mark.django_db
def test_new_phase_appears_in_the_api(api):
    make_phase(targets=[("Sản phẩm đạt 3–4 sao", "recognised", 3, 4, 200)])
    make_recognition(stars=3, decision_date=D(2026, 2, 1))
    phases = api.get(URL, {"as_of": "2026-03-01"}).json()["phases"]
    assert phases[-1]["name"] == "2026–2030"
    assert phases[-1]["targets"][0]["achieved"] == 1


@pytest.mark.django_db
def test_api_query_count_is_constant(api, django_assert_max_num_queries):
    """Computing: phases and targets (2), the data fingerprint (3), the tallies (1), the standing (1).
    Answering again from the cached figures: phases and targets, and the fingerprint."""
    make_recognition(stars=3, decision_date=D(2020, 1, 1))
    with django_assert_max_num_queries(7):
        api.get(URL, {"as_of": "2026-01-01"})
    with django_assert_max_num_queries(5):
        api.get(URL, {"as_of": "2026-01-01"})
    for year in range(2019, 2025):
        make_recognition(stars=3, decision_date=D(year, 5, 5))
    make_phase()
    with django_assert_max_num_queries(7):
        api.get(URL, {"as_of": "2026-01-01"})


@pytest.mark.django_db
def test_cached_figures_follow_every_change_to_the_data(api):
    """The figures are cached per date, but a new decision, a revocation or a new target shows at once."""
    first = make_recognition(stars=3, decision_date=D(2022, 3, 1))
    def achieved():
        body = api.get(URL, {"as_of": "2023-01-01"}).json()
        phase = next(p for p in body["phases"] if p["name"] == "2021–2025")
        return phase["targets"][0]["achieved"], body["current"]["revoked"]

    assert achieved() == (1, 0)
    make_recognition(stars=4, decision_date=D(2022, 6, 1))
    assert achieved() == (2, 0)
    from evaluations.services import evaluation_revoke

    evaluation_revoke(evaluation=first, revocation_no="9/QĐ-UBND", revocation_date=D(2022, 7, 1))
    assert achieved() == (1, 1)
    from evaluations.models import Target

    Target.objects.filter(phase__name="2021–2025", min_stars=3).update(min_stars=4)
    assert achieved() == (1, 1)
    Target.objects.filter(phase__name="2021–2025", min_stars=4, max_stars=4).update(min_stars=3, max_stars=3)
    assert achieved() == (0, 1)
