"""``Evaluation.superseded_on`` is derived data: every write path must keep "each product's latest
recognition" (a plain filter over it) equal to the window-function reference computed from the
decisions alone."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from evaluations.models import Evaluation
from tests.factories import make_recognition

pytestmark = pytest.mark.django_db
DAYS = [datetime.date(y, m, 1) for y in range(2019, 2027) for m in (1, 7)] + [datetime.date(2026, 11, 28)]


def assert_latest_matches_reference():
    for day in DAYS:
        fast = set(Evaluation.objects.latest_per_product(day).values_list("pk", flat=True))
        reference = set(Evaluation.objects.latest_per_product_by_window(day).values_list("pk", flat=True))
        assert fast == reference, day


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


def test_the_admin_product_list_reads_the_same_latest_recognition():
    """The admin's "current" columns annotate products from ``latest_per_product``: the reference agrees."""
    from django.utils import timezone

    from products.admin import latest_recognition
    from products.models import Product

    call_command("generate_scale", "--products", "60", stdout=io.StringIO())
    today = timezone.localdate()
    reference = {
        row["product"]: (row["stars"], row["decision_no"], row["status"])
        for row in Evaluation.objects.latest_per_product_by_window(today).values(
            "product", "stars", "decision_no", "status"
        )
    }
    shown = Product.objects.annotate(
        **latest_recognition(today, stars="stars", decision_no="decision_no", status="status")
    ).values_list("pk", "stars", "decision_no", "status")
    assert reference
    assert {pk: (stars, number, status) for pk, stars, number, status in shown if number} == reference
    assert all(stars is None for pk, stars, number, status in shown if pk not in reference)
