"""Targets are data: the office adds the 2026–2030 phase in the admin and the dashboard shows it."""

import datetime

import pytest
from django.urls import reverse

from evaluations.models import Phase
from tests.factories import make_recognition

pytestmark = pytest.mark.django_db




def test_a_phase_added_in_the_admin_with_its_target_appears_on_the_dashboard_and_api(office_client):
    response = office_client.post(
        reverse("admin:evaluations_phase_add"),
        {
            "name": "2026–2030",
            "start": "01/01/2026",
            "end": "31/12/2030",
            "notes": "",
            "targets-TOTAL_FORMS": "1",
            "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "1000",
            "targets-0-position": "1",
            "targets-0-label": "Sản phẩm đạt 3–4 sao giai đoạn mới",
            "targets-0-measure": "recognised",
            "targets-0-min_stars": "3",
            "targets-0-max_stars": "4",
            "targets-0-target_count": "200",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    phase = Phase.objects.get(name="2026–2030")
    assert phase.start == datetime.date(2026, 1, 1) and phase.targets.get().target_count == 200

    make_recognition(stars=4, decision_date=datetime.date(2026, 3, 18))
    page = office_client.get(reverse("evaluations:dashboard"), {"as_of": "2026-06-30"}).content.decode()
    assert "Giai đoạn 2026–2030" in page
    assert "Sản phẩm đạt 3–4 sao giai đoạn mới: 1/200" in page
    body = office_client.get("/api/v1/progress/", {"as_of": "2026-06-30"}).json()
    target = body["phases"][-1]["targets"][0]
    assert (body["phases"][-1]["name"], target["achieved"], target["target"]) == ("2026–2030", 1, 200)


def test_a_target_outside_3_to_5_stars_is_refused_in_the_admin(office_client):
    response = office_client.post(
        reverse("admin:evaluations_phase_add"),
        {
            "name": "2026–2030", "start": "01/01/2026", "end": "31/12/2030", "notes": "",
            "targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0", "targets-MAX_NUM_FORMS": "1000",
            "targets-0-position": "1", "targets-0-label": "Sai", "targets-0-measure": "recognised",
            "targets-0-min_stars": "2", "targets-0-max_stars": "4", "targets-0-target_count": "10",
        },
    )
    assert response.status_code == 200
    assert "3–5" in response.content.decode()
    assert not Phase.objects.filter(name="2026–2030").exists()
