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


def test_a_target_gets_its_english_label_in_the_phase_admin(office_client):
    phase = Phase.objects.get(name="2021–2025")
    url = reverse("admin:evaluations_phase_change", args=[phase.pk])
    response = office_client.get(url)
    assert 'name="targets-0-label_en"' in response.content.decode()
    formset = response.context["inline_admin_formsets"][0].formset
    data = {"name": phase.name, "start": phase.start.strftime("%d/%m/%Y"), "end": phase.end.strftime("%d/%m/%Y"),
            "notes": phase.notes}
    targets = [form.instance for form in formset.initial_forms]
    data.update({"targets-TOTAL_FORMS": len(targets), "targets-INITIAL_FORMS": len(targets),
                 "targets-MIN_NUM_FORMS": 0, "targets-MAX_NUM_FORMS": 1000})
    for index, target in enumerate(targets):
        for name in ("id", "phase", "position", "label", "label_en", "measure", "min_stars", "max_stars",
                     "target_count"):
            data[f"targets-{index}-{name}"] = getattr(target, "phase_id" if name == "phase" else name)
    data["targets-0-label_en"] = "Products rated 3–4 stars"
    response = office_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    target = phase.targets.order_by("position", "pk").first()
    assert target.label_en == "Products rated 3–4 stars"


def test_a_target_of_zero_products_is_refused_on_its_field_in_the_admin(office_client):
    response = office_client.post(
        reverse("admin:evaluations_phase_add"),
        {
            "name": "2026–2030", "start": "01/01/2026", "end": "31/12/2030", "notes": "",
            "targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0", "targets-MAX_NUM_FORMS": "1000",
            "targets-0-position": "1", "targets-0-label": "Không", "targets-0-measure": "recognised",
            "targets-0-min_stars": "3", "targets-0-max_stars": "4", "targets-0-target_count": "0",
        },
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors == {"target_count": ["Chỉ tiêu phải lớn hơn 0."]}
    assert "Constraint" not in response.content.decode()
