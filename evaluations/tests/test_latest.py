"""Derived data kept by ``services.recognitions_resequence`` must equal its reference, computed from the
decisions alone with a window function, after every write path:

- ``Evaluation.superseded_on``: "each product's latest recognition" on a day (a plain filter over it);
- each product's current recognition (``Product.current_*``), the read model of the catalogue, the API, the
  admin and the dashboard: a copy of its latest decision of all.
"""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from evaluations.models import Evaluation
from evaluations.selectors import recognitions_out_of_step
from evaluations.services import recognitions_resequence
from products.models import Product
from tests.factories import make_evaluation, make_recognition

pytestmark = pytest.mark.django_db
DAYS = [datetime.date(y, m, 1) for y in range(2019, 2027) for m in (1, 7)] + [datetime.date(2026, 11, 28)]
EVER = datetime.date(9999, 12, 31)  # as of this day, the latest decision is the latest of all


def current_by_reference() -> dict:
    """{product pk: (evaluation pk, stars, decision number, decision date, revoked on)} from the window function."""
    return {
        row.product_id: (
            row.pk, row.stars, row.decision_no, row.decision_date,
            row.revocation_date if row.status == Evaluation.Status.REVOKED else None,
        )
        for row in Evaluation.objects.latest_per_product_by_window(EVER)
    }


def assert_latest_matches_reference():
    for day in DAYS:
        fast = set(Evaluation.objects.latest_per_product(day).values_list("pk", flat=True))
        reference = set(Evaluation.objects.latest_per_product_by_window(day).values_list("pk", flat=True))
        assert fast == reference, day
    reference = current_by_reference()
    stored = {pk: tuple(values) for pk, *values in Product.objects.values_list("pk", *Product.CURRENT_COLUMNS)}
    assert stored == {pk: reference.get(pk, Product.NO_CURRENT_RECOGNITION) for pk in stored}
    assert not recognitions_out_of_step()  # the consistency check (manage.py check_derived) agrees


def test_demo_story_written_through_the_services():
    call_command("load_demo", stdout=io.StringIO())
    assert Evaluation.objects.filter(superseded_on__isnull=False).exists()
    assert_latest_matches_reference()


def test_synthetic_data_written_in_bulk():
    call_command("generate_scale", "--products", "150", stdout=io.StringIO())
    assert_latest_matches_reference()


def test_register_import_written_in_bulk(tmp_path):
    first = make_recognition(stars=3, decision_date=datetime.date(2020, 6, 1))
    product, producer = first.product, first.product.producer
    path = tmp_path / "list.csv"
    path.write_text(
        "Tên sản phẩm,Chủ thể,Xã,Hạng sao,Cấp công nhận,Số quyết định,Ngày quyết định\n"
        f"{product.name},{producer.name},{product.commune.name},4,Tỉnh,77/QĐ-UBND,01/06/2023\n",
        encoding="utf-8",
    )
    call_command("import_register", str(path), stdout=io.StringIO())
    first.refresh_from_db()
    assert first.superseded_on == datetime.date(2023, 6, 1)
    assert_latest_matches_reference()


def test_a_superuser_moving_or_deleting_a_decision_in_the_admin(client):
    early = make_recognition(stars=3, decision_date=datetime.date(2020, 6, 1))
    later = make_recognition(early.product, stars=4, decision_date=datetime.date(2023, 6, 1))
    assert_latest_matches_reference()
    admin = get_user_model().objects.create_superuser("quantri", password="x")
    client.force_login(admin)
    url = reverse("admin:evaluations_evaluation_change", args=[later.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, datetime.date):
            value = value.strftime("%d/%m/%Y")
        if value is None or value is False:
            continue
        data[name] = value
    data["decision_date"] = "01/01/2020"  # a correction: the "later" decision was in fact the earlier one
    data["evaluated_on"] = "01/12/2019"  # ... evaluated then, under the rules in force then
    data["rule_set"] = "1048"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    later.refresh_from_db()
    early.refresh_from_db()
    assert later.decision_date == datetime.date(2020, 1, 1)
    assert later.superseded_on == datetime.date(2020, 6, 1) and early.superseded_on is None
    assert_latest_matches_reference()

    response = client.post(reverse("admin:evaluations_evaluation_delete", args=[early.pk]), {"post": "yes"})
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.superseded_on is None
    assert_latest_matches_reference()


def test_a_batch_recognition_under_one_decision():
    from evaluations.services import evaluation_recognise_batch
    from tests.factories import make_evaluation

    earlier = make_recognition(stars=3, decision_date=datetime.date(2020, 6, 1))
    renewal = make_evaluation(earlier.product, evaluated_on=datetime.date(2023, 5, 1))
    other = make_evaluation(evaluated_on=datetime.date(2023, 5, 1))
    evaluation_recognise_batch(
        evaluations=[renewal, other], decision_no="88/QĐ-UBND", decision_date=datetime.date(2023, 6, 1)
    )
    earlier.refresh_from_db()
    assert earlier.superseded_on == datetime.date(2023, 6, 1)
    assert_latest_matches_reference()


def test_recording_recognising_revoking_and_proposing_one_at_a_time():
    from evaluations.services import evaluation_propose_national, evaluation_revoke

    first = make_recognition(stars=3, decision_date=datetime.date(2020, 6, 1))
    product = first.product
    assert_latest_matches_reference()
    make_evaluation(product, evaluated_on=datetime.date(2023, 5, 1))  # scored, no decision: nothing changes
    assert_latest_matches_reference()
    renewal = make_recognition(product, stars=4, decision_date=datetime.date(2023, 6, 1))
    product.refresh_from_db()
    assert (product.current_recognition_id, product.current_stars) == (renewal.pk, 4)
    assert_latest_matches_reference()
    evaluation_revoke(evaluation=renewal, revocation_no="5/QĐ-UBND", revocation_date=datetime.date(2024, 2, 1))
    product.refresh_from_db()
    assert product.current_revoked_on == datetime.date(2024, 2, 1)
    assert_latest_matches_reference()
    other = make_recognition(stars=4, decision_date=datetime.date(2024, 6, 1), scores=(38, 24, 30))
    evaluation_propose_national(evaluation=other, proposal_date=datetime.date(2024, 7, 1))
    assert_latest_matches_reference()


def test_two_decisions_on_one_day_the_later_row_is_current():
    early = make_recognition(stars=3, decision_date=datetime.date(2023, 6, 1))
    # The rules refuse a second recognition on one day (rules.same_day_recognition_problem); a pair already in the
    # register from before that rule still resolves to the later row.
    same_day = make_recognition(early.product, stars=4, decision_date=datetime.date(2023, 6, 2))
    Evaluation.objects.filter(pk=same_day.pk).update(decision_date=datetime.date(2023, 6, 1))
    recognitions_resequence(product_ids=[early.product_id])
    early.product.refresh_from_db()
    assert early.product.current_recognition_id == same_day.pk
    assert_latest_matches_reference()


def test_a_batch_revocation_under_one_decision():
    from evaluations.services import evaluation_revoke_batch

    recognitions = [make_recognition(stars=3, decision_date=datetime.date(2022, 3, 1)) for _ in range(3)]
    evaluation_revoke_batch(
        evaluations=recognitions[:2], revocation_no="9/QĐ-UBND", revocation_date=datetime.date(2023, 1, 5)
    )
    revoked = Product.objects.filter(current_revoked_on=datetime.date(2023, 1, 5))
    assert set(revoked.values_list("pk", flat=True)) == {r.product_id for r in recognitions[:2]}
    assert_latest_matches_reference()


def test_the_admin_actions_recognise_revoke_and_propose(client):
    from evaluations.tests.test_admin import OFFICE, post_action, staff

    client.force_login(staff("office", role=OFFICE))
    earlier = make_recognition(stars=3, decision_date=datetime.date(2021, 6, 1))
    renewal = make_evaluation(earlier.product, evaluated_on=datetime.date(2024, 5, 1), scores=(28, 20, 30))
    post_action(
        client, "recognise_action", [renewal.pk], apply="1", decision_no="12/QĐ-UBND", decision_date="15/07/2024"
    )
    earlier.product.refresh_from_db()
    assert (earlier.product.current_recognition_id, earlier.product.current_stars) == (renewal.pk, 4)
    assert_latest_matches_reference()
    post_action(
        client, "revoke_action", [renewal.pk], apply="1", revocation_no="77/QĐ-UBND", revocation_date="01/02/2025"
    )
    earlier.product.refresh_from_db()
    assert earlier.product.current_revoked_on == datetime.date(2025, 2, 1)
    assert_latest_matches_reference()


def test_a_superuser_adding_changing_and_deleting_evaluations_on_the_product_page(client):
    """The product page's inline (``ProductAdmin.save_formset``): new scores, corrected scores of a decision
    (its stars change), a decision deleted."""
    early = make_recognition(stars=3, decision_date=datetime.date(2020, 6, 1))
    later = make_recognition(early.product, stars=3, decision_date=datetime.date(2023, 6, 1))
    product = early.product
    client.force_login(get_user_model().objects.create_superuser("quantri", password="x"))
    url = reverse("admin:products_product_change", args=[product.pk])

    def page_data(**changes):
        response = client.get(url)
        data = {}
        forms = [response.context["adminform"].form]
        for inline in response.context["inline_admin_formsets"]:
            management = inline.formset.management_form
            for name, field in management.fields.items():
                data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
            forms += list(inline.formset.forms)
        for form in forms:
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if hasattr(value, "pk"):
                    value = value.pk
                if hasattr(value, "field"):  # an image field's file: none uploaded
                    value = None
                if isinstance(value, datetime.date):
                    value = value.strftime("%d/%m/%Y")
                if value is None or value is False or field.disabled:
                    continue
                data[form.add_prefix(name)] = value
        data.update(changes)
        return data

    prefix = "evaluations-"
    index = {pk: n for n, pk in enumerate(product.evaluations.order_by("-decision_date", "-evaluated_on", "-pk")
                                          .values_list("pk", flat=True))}
    row = f"{prefix}{index[later.pk]}"
    response = client.post(url, page_data(**{f"{row}-score_a": "28", f"{row}-score_b": "20", f"{row}-score_c": "30"}))
    assert response.status_code == 302, response.context and response.context["errors"]
    product.refresh_from_db()
    assert (product.current_recognition_id, product.current_stars) == (later.pk, 4)
    assert_latest_matches_reference()

    response = client.post(url, page_data(**{f"{row}-DELETE": "on"}))
    assert response.status_code == 302, response.context and response.context["errors"]
    product.refresh_from_db()
    assert (product.current_recognition_id, product.current_stars) == (early.pk, 3)
    assert_latest_matches_reference()


def test_deleting_every_decision_of_a_product_in_the_admin_leaves_it_without_a_current_recognition(client):
    from evaluations.tests.test_admin import CHANGELIST

    only = make_recognition(stars=3, decision_date=datetime.date(2022, 6, 1))
    other = make_recognition(stars=4, decision_date=datetime.date(2022, 6, 1))
    client.force_login(get_user_model().objects.create_superuser("quantri", password="x"))
    payload = {"action": "delete_selected", "_selected_action": [only.pk, other.pk], "post": "yes"}
    assert client.post(CHANGELIST, payload).status_code == 302
    assert not Evaluation.objects.exists()
    assert_latest_matches_reference()
    assert Product.objects.filter(current_decision_date__isnull=False).count() == 0


def test_the_admin_product_list_reads_the_current_recognition(client):
    """The admin's "current" columns are the products' current recognition: the reference agrees."""
    call_command("generate_scale", "--products", "60", stdout=io.StringIO())
    reference = current_by_reference()
    client.force_login(get_user_model().objects.create_superuser("quantri", password="x"))
    response = client.get(reverse("admin:products_product_changelist"), {"all": ""})
    shown = {
        product.pk: (product.current_stars, product.current_decision_no, product.current_status)
        for product in response.context["cl"].result_list
    }
    statuses = {pk: Evaluation.objects.get(pk=values[0]).status for pk, values in reference.items()}
    assert reference and len(shown) == 60
    assert {pk: values for pk, values in shown.items() if values[1]} == {
        pk: (values[1], values[2], statuses[pk]) for pk, values in reference.items()
    }
    assert all(values == (None, "", None) for pk, values in shown.items() if pk not in reference)


def test_the_read_model_answers_as_the_decisions_do_as_of_today(monkeypatch):
    """As of today the catalogue, the dashboard and the progress read the products' current recognition; forced
    to read the decisions (as they do for a past date) they give the same rows and figures."""
    import dataclasses

    from django.http import QueryDict
    from django.utils import timezone

    from evaluations import selectors
    from products import selectors as catalogue
    from products.filters import CatalogueFilterSet

    call_command("load_demo", stdout=io.StringIO())
    call_command("generate_scale", "--products", "400", stdout=io.StringIO())
    today = timezone.localdate()

    def read():
        dashboard = selectors.dashboard_on(day=today)
        rows = list(catalogue.catalogue_products().values_list(
            "pk", "cert_id", "cert_stars", "cert_decision_no", "cert_decision_date", "cert_revoked_on", "cert_status",
            "cert_year",
        ))
        facets = {}
        for query in ("", "status=all", "stars=4&status=expired", "group=I&year=2024", "status=revoked"):
            filterset = CatalogueFilterSet(QueryDict(query), queryset=catalogue.catalogue_products(day=today))
            facets[query] = {name: [(o.value, o.count) for o in f.options] for name, f in filterset.facets().items()}
        return (
            dataclasses.replace(dashboard, expiring=[e.pk for e in dashboard.expiring]),
            selectors.progress_on(day=today),
            rows,
            catalogue.headline_counts(),
            facets,
        )

    fast = read()
    monkeypatch.setattr(selectors, "reads_current", lambda day: False)
    monkeypatch.setattr(catalogue, "reads_current", lambda day: False)
    reference = read()
    assert fast[2] and fast[0].standing.valid
    for got, expected in zip(fast, reference):
        assert got == expected


def test_check_derived_finds_and_repairs_what_a_raw_update_left_out_of_step():
    from django.core.management import CommandError

    early = make_recognition(stars=3, decision_date=datetime.date(2020, 6, 1))
    later = make_recognition(early.product, stars=4, decision_date=datetime.date(2023, 6, 1))
    other = make_recognition(stars=3, decision_date=datetime.date(2021, 6, 1))
    out = io.StringIO()
    call_command("check_derived", stdout=out)
    assert "in step" in out.getvalue()
    # Writes that skip the services: a decision moved, a product's columns overwritten.
    Evaluation.objects.filter(pk=later.pk).update(decision_date=datetime.date(2019, 6, 1))
    Product.objects.filter(pk=other.product_id).update(current_stars=5)
    assert recognitions_out_of_step() == {early.product_id, other.product_id}
    with pytest.raises(CommandError, match="2 products out of step"):
        call_command("check_derived", stdout=io.StringIO())
    out = io.StringIO()
    call_command("check_derived", "--repair", stdout=out)
    assert "Repaired 2 products" in out.getvalue()
    assert_latest_matches_reference()
    early.product.refresh_from_db()
    assert early.product.current_recognition_id == early.pk
