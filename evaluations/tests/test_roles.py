"""The three staff roles (evaluations/migrations/0003_roles.py, docs/roles.md), proven through the admin."""


from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from evaluations.models import Evaluation
from products.models import Producer
from tests.factories import any_commune, make_evaluation, make_producer, make_recognition

OFFICE, CLERK, LEADER = "Văn phòng điều phối", "Cán bộ nhập liệu", "Lãnh đạo"
CHANGELIST = reverse("admin:evaluations_evaluation_changelist")


def member(role):
    user = get_user_model().objects.create_user(role.split()[0].lower() + "-user", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def actions_offered(client):
    form = client.get(CHANGELIST).context["action_form"]
    return {choice[0] for choice in form.fields["action"].choices} - {""} if form else set()


class RoleDefinitionTests(TestCase):
    def test_the_migration_creates_the_three_roles(self):
        self.assertCountEqual(
            Group.objects.filter(name__in=[OFFICE, CLERK, LEADER]).values_list("name", flat=True), [OFFICE, CLERK, LEADER]
        )

    def test_rights_of_each_role(self):
        office, clerk, leader = member(OFFICE), member(CLERK), member(LEADER)
        workflow = ["recognise_evaluation", "revoke_evaluation", "propose_evaluation", "import_register"]
        for codename in [*workflow, "view_dashboard", "delete_evaluation", "delete_product", "change_commune"]:
            self.assertTrue(office.has_perm(f"evaluations.{codename}") or office.has_perm(f"products.{codename}"), codename)
        for codename in ["add_producer", "change_producer", "add_product", "change_product", "add_productimage"]:
            self.assertTrue(clerk.has_perm(f"products.{codename}"), codename)
        self.assertTrue(clerk.has_perm("evaluations.add_evaluation"))
        self.assertTrue(clerk.has_perm("evaluations.change_evaluation"))
        for codename in [*workflow, "delete_evaluation", "view_dashboard"]:
            self.assertFalse(clerk.has_perm(f"evaluations.{codename}"), codename)
        self.assertFalse(clerk.has_perm("products.delete_product"))
        self.assertFalse(clerk.has_perm("products.change_commune"))
        self.assertTrue(leader.has_perm("evaluations.view_dashboard"))
        self.assertTrue(leader.has_perm("products.view_product"))
        for codename in ["products.add_product", "products.change_producer", "evaluations.change_evaluation",
                         "evaluations.recognise_evaluation", "evaluations.import_register"]:
            self.assertFalse(leader.has_perm(codename), codename)


class RolesThroughTheAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scored = make_evaluation(scores=(30, 20, 25))
        cls.recognised = make_recognition(stars=3)

    def test_office_has_every_action_and_the_import(self):
        self.client.force_login(member(OFFICE))
        self.assertEqual(actions_offered(self.client),
                         {"delete_selected", "recognise_action", "revoke_action", "propose_action"})
        self.assertContains(self.client.get(CHANGELIST), "Nhập danh sách từ tệp")
        self.assertEqual(self.client.get(reverse("admin:evaluations_evaluation_import")).status_code, 200)

    def test_clerk_adds_producers_and_evaluations_but_cannot_decide_delete_or_import(self):
        self.client.force_login(member(CLERK))
        response = self.client.post(reverse("admin:products_producer_add"), {
            "name": "HTX Chè Thanh Xuân", "kind": "htx", "commune": any_commune().pk, "address": "", "tax_code": "",
            "representative": "", "phone": "", "email": "", "is_demo": "",
        })
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Producer.objects.filter(name="HTX Chè Thanh Xuân").exists())
        self.assertEqual(actions_offered(self.client), set())
        self.assertNotContains(self.client.get(CHANGELIST), "Nhập danh sách từ tệp")
        self.assertEqual(self.client.get(reverse("admin:evaluations_evaluation_import")).status_code, 403)
        delete = reverse("admin:evaluations_evaluation_delete", args=[self.scored.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        producer = make_producer()
        self.assertEqual(
            self.client.post(reverse("admin:products_producer_delete", args=[producer.pk]), {"post": "yes"}).status_code,
            403,
        )
        # A recognised evaluation is read-only for the clerk; a scored one can be corrected.
        self.assertEqual(
            self.client.post(reverse("admin:evaluations_evaluation_change", args=[self.recognised.pk]), {}).status_code,
            403,
        )
        self.client.post(CHANGELIST, {"action": "recognise_action", "_selected_action": [self.scored.pk],
                                      "apply": "1", "decision_no": "1/QĐ", "decision_date": "01/06/2024"})
        self.scored.refresh_from_db()
        self.assertEqual(self.scored.status, Evaluation.Status.SCORED)
        # Reference units are for viewing only.
        self.assertEqual(self.client.get(reverse("admin:products_commune_add")).status_code, 403)

    def test_leader_views_everything_and_changes_nothing(self):
        self.client.force_login(member(LEADER))
        for name in ("products_product", "products_producer", "evaluations_evaluation", "evaluations_phase"):
            self.assertEqual(self.client.get(reverse(f"admin:{name}_changelist")).status_code, 200, name)
        self.assertEqual(self.client.get(reverse("admin:evaluations_evaluation_add")).status_code, 403)
        response = self.client.get(reverse("admin:evaluations_evaluation_change", args=[self.scored.pk]))
        self.assertNotContains(response, 'name="_save"')
        self.assertEqual(
            self.client.post(reverse("admin:evaluations_evaluation_change", args=[self.scored.pk]), {}).status_code, 403
        )
        self.assertEqual(actions_offered(self.client), set())
        self.assertEqual(self.client.get(reverse("admin:evaluations_evaluation_export_xlsx")).status_code, 200)

    def test_view_only_leader_cannot_revert_history(self):
        self.client.force_login(member(LEADER))
        version = self.scored.history.earliest()
        url = reverse("admin:evaluations_evaluation_simple_history", args=[self.scored.pk, version.history_id])
        self.assertEqual(self.client.post(url, {}).status_code, 403)
