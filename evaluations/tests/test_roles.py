"""The three staff roles (evaluations/migrations/0003_roles.py, docs/roles.md), proven through the admin."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django.asserts import assertContains, assertNotContains

from evaluations.models import Evaluation
from products.models import Producer, ProducerKind
from tests.factories import any_commune, make_evaluation, make_producer, make_recognition

pytestmark = pytest.mark.django_db

OFFICE, CLERK, LEADER = "Văn phòng điều phối", "Cán bộ nhập liệu", "Lãnh đạo"
CHANGELIST = reverse("admin:evaluations_evaluation_changelist")
IMPORT = reverse("admin:evaluations_evaluation_import")
WORKFLOW = ["recognise_evaluation", "revoke_evaluation", "propose_evaluation", "import_register"]


def member(role):
    user = get_user_model().objects.create_user(role.split()[0].lower() + "-user", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def actions_offered(client):
    form = client.get(CHANGELIST).context["action_form"]
    return {choice[0] for choice in form.fields["action"].choices} - {""} if form else set()


def change_url(evaluation):
    return reverse("admin:evaluations_evaluation_change", args=[evaluation.pk])


@pytest.fixture
def scored():
    return make_evaluation(scores=(30, 20, 25))


@pytest.fixture
def recognised():
    return make_recognition(stars=3)


# --- The roles --------------------------------------------------------------------------------------------


def test_the_migration_creates_the_three_roles():
    names = Group.objects.filter(name__in=[OFFICE, CLERK, LEADER]).values_list("name", flat=True)
    assert sorted(names) == sorted([OFFICE, CLERK, LEADER])


def test_the_office_may_take_decisions_import_delete_and_see_the_dashboard():
    office = member(OFFICE)
    for codename in [*WORKFLOW, "view_dashboard", "delete_evaluation", "delete_product", "change_commune"]:
        assert office.has_perm(f"evaluations.{codename}") or office.has_perm(f"products.{codename}"), codename


def test_the_clerk_enters_data_but_decides_deletes_and_imports_nothing():
    clerk = member(CLERK)
    for codename in ["add_producer", "change_producer", "add_product", "change_product", "add_productimage"]:
        assert clerk.has_perm(f"products.{codename}"), codename
    assert clerk.has_perm("evaluations.add_evaluation")
    assert clerk.has_perm("evaluations.change_evaluation")
    for codename in [*WORKFLOW, "delete_evaluation", "view_dashboard"]:
        assert not clerk.has_perm(f"evaluations.{codename}"), codename
    assert not clerk.has_perm("products.delete_product")
    assert not clerk.has_perm("products.change_commune")


def test_the_leader_views_and_changes_nothing():
    leader = member(LEADER)
    assert leader.has_perm("evaluations.view_dashboard")
    assert leader.has_perm("products.view_product")
    for codename in ["products.add_product", "products.change_producer", "evaluations.change_evaluation",
                     "evaluations.recognise_evaluation", "evaluations.import_register"]:
        assert not leader.has_perm(codename), codename


# --- Through the admin ------------------------------------------------------------------------------------


def test_office_has_every_action_and_the_import(client, scored, recognised):
    client.force_login(member(OFFICE))
    assert actions_offered(client) == {"delete_selected", "recognise_action", "revoke_action", "propose_action"}
    assertContains(client.get(CHANGELIST), "Nhập danh sách từ tệp")
    response = client.get(IMPORT)
    assertContains(response, "Nhập danh sách công nhận từ tệp")
    assertContains(response, 'type="file" name="file"')


def test_clerk_adds_producers(client):
    client.force_login(member(CLERK))
    response = client.post(reverse("admin:products_producer_add"), {
        "name": "HTX Chè Thanh Xuân", "kind": ProducerKind.COOPERATIVE, "commune": any_commune().pk, "address": "",
        "tax_code": "", "representative": "", "phone": "", "email": "", "is_demo": "",
    })
    assert response.status_code == 302
    assert Producer.objects.filter(name="HTX Chè Thanh Xuân").exists()


def test_clerk_cannot_decide_delete_or_import(client, scored, recognised):
    client.force_login(member(CLERK))
    assert actions_offered(client) == set()
    assertNotContains(client.get(CHANGELIST), "Nhập danh sách từ tệp")
    assert client.get(IMPORT).status_code == 403
    delete = reverse("admin:evaluations_evaluation_delete", args=[scored.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    producer = make_producer()
    delete_producer = reverse("admin:products_producer_delete", args=[producer.pk])
    assert client.post(delete_producer, {"post": "yes"}).status_code == 403
    assert Evaluation.objects.filter(pk=scored.pk).exists() and Producer.objects.filter(pk=producer.pk).exists()
    client.post(CHANGELIST, {"action": "recognise_action", "_selected_action": [scored.pk],
                             "apply": "1", "decision_no": "1/QĐ", "decision_date": "01/06/2024"})
    scored.refresh_from_db()
    assert scored.status == Evaluation.Status.SCORED
    # Reference units are for viewing only.
    assert client.get(reverse("admin:products_commune_add")).status_code == 403


def test_clerk_may_correct_a_scored_evaluation_but_not_a_recognised_one(client, scored, recognised):
    client.force_login(member(CLERK))
    assertContains(client.get(change_url(scored)), 'name="_save"')
    response = client.get(change_url(recognised))
    assertContains(response, recognised.decision_no)
    assertNotContains(response, 'name="_save"')
    assert client.post(change_url(recognised), {}).status_code == 403


def test_leader_views_everything_and_changes_nothing(client, scored, recognised):
    client.force_login(member(LEADER))
    for name, shown in (("products_product", scored.product.name), ("products_producer", scored.product.producer.name),
                        ("evaluations_evaluation", recognised.decision_no), ("evaluations_phase", "2021–2025")):
        assertContains(client.get(reverse(f"admin:{name}_changelist")), shown, msg_prefix=name)
    assert client.get(reverse("admin:evaluations_evaluation_add")).status_code == 403
    response = client.get(change_url(scored))
    assertContains(response, scored.product.name)
    assertNotContains(response, 'name="_save"')
    assert client.post(change_url(scored), {}).status_code == 403
    assert actions_offered(client) == set()
    response = client.get(reverse("admin:evaluations_evaluation_export_xlsx"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {scored.product.name, recognised.product.name}


def test_view_only_leader_cannot_revert_history(client, scored):
    client.force_login(member(LEADER))
    version = scored.history.earliest()
    url = reverse("admin:evaluations_evaluation_simple_history", args=[scored.pk, version.history_id])
    assert client.post(url, {}).status_code == 403
    scored.refresh_from_db()
    assert scored.status == Evaluation.Status.SCORED
