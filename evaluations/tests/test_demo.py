"""The demo story (``manage.py load_demo``) and the synthetic data for benchmarks (``manage.py generate_scale``)."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max

from evaluations import selectors
from evaluations.models import Evaluation
from products.models import Producer, Product

pytestmark = pytest.mark.django_db


def stars_by_product_as_of(day):
    rows = Evaluation.objects.decided_by(day).values("product").annotate(best=Max("stars"))
    return Counter(row["best"] for row in rows)


# --- Synthetic data ------------------------------------------------------------------------------------------
# First in the file: the demo story below stays loaded (in a transaction rolled back at the end of the module)
# from its first test to the end of the module, and these tests count every row.


def test_generate_scale_spreads_products_over_communes_and_groups():
    out = io.StringIO()
    call_command("generate_scale", "--products", "60", stdout=out)
    assert "60 products" in out.getvalue()
    products = Product.objects.all()
    assert products.count() == 60
    assert products.values("commune").distinct().count() == 60
    assert products.values("group").distinct().count() == 17
    assert all(p.code == Product.code_for(p.pk) for p in products)
    per_product = Counter(Evaluation.objects.values_list("product", flat=True))
    assert set(per_product.values()) <= {1, 2, 3} and len(per_product) == 60


def test_generate_scale_refuses_nonsense():
    with pytest.raises(CommandError):
        call_command("generate_scale", "--products", "0")


# --- The demo story --------------------------------------------------------------------------------------------


@pytest.fixture
def demo(db, demo_story):
    """The demo story, as ``manage.py load_demo`` writes it."""


def test_mid_2020_reads_30_products_6_at_4_stars_and_24_at_3(demo):
    assert stars_by_product_as_of(datetime.date(2020, 6, 30)) == Counter({3: 24, 4: 6})


def test_decision_5445_recognised_13_products_on_23_12_2019(demo):
    decided = Evaluation.objects.filter(decision_no="5445/QĐ-UBND")
    assert decided.count() == 13
    assert set(decided.values_list("decision_date", flat=True)) == {datetime.date(2019, 12, 23)}
    assert Counter(decided.values_list("stars", flat=True)) == Counter({3: 8, 4: 5})


def test_end_of_2020_reads_69_products_from_47_producers(demo):
    products = Evaluation.objects.decided_by(datetime.date(2020, 12, 31)).values("product").distinct()
    assert products.count() == 69
    assert Producer.objects.filter(products__in=products.values("product")).distinct().count() == 47


def test_fish_sauce_and_shrimp_paste_proposed_for_5_stars_on_23_7_2020(demo):
    proposals = Evaluation.objects.proposals().filter(proposal_date=datetime.date(2020, 7, 23))
    assert sorted(proposals.values_list("product__name", flat=True)) == ["Mắm tôm Lê Gia", "Nước mắm Lê Gia"]
    assert all(p.status == "scored" and p.stars == 4 and p.total >= 90 for p in proposals)


def test_later_records_include_each_kind_of_event(demo):
    revoked = Evaluation.objects.filter(status="revoked")
    assert revoked.count() == 1 and revoked.get().revocation_date == datetime.date(2021, 5, 10)
    central = Evaluation.objects.recognised().filter(stars=5, level="central")
    assert sorted(set(central.values_list("product__name", flat=True))) == ["Mộc nhĩ Định Long", "Nước mắm Lê Gia"]
    # A re-recognition at a higher star: recognised at 3★ in 2019, at 4★ in 12/2022.
    upgraded = [
        p for p in Product.objects.filter(evaluations__decision_no="4980/QĐ-UBND")
        if list(p.evaluations.decided().order_by("decision_date").values_list("stars", flat=True))[:2] == [3, 4]
    ]
    assert upgraded
    # A certificate left to expire: the latest recognition is the 2019 one, expired on 24/12/2022.
    latest_2019_only = [
        p for p in Product.objects.filter(evaluations__decision_no="5445/QĐ-UBND")
        if p.evaluations.decided().count() == 1
    ]
    assert latest_2019_only
    recognition = latest_2019_only[0].evaluations.get()
    assert recognition.certificate_status(datetime.date(2022, 12, 23)) != "expired"
    assert recognition.certificate_status(datetime.date(2022, 12, 24)) == "expired"


def test_on_28_11_2026_the_registry_is_alive(demo):
    """Re-recognitions keep most certificates valid; one batch is due within 90 days, another just lapsed."""
    standing = selectors.standing_on(day=datetime.date(2026, 11, 28))
    assert standing.valid > 60
    assert standing.valid_by_stars[5] == 2
    assert standing.expiring > 20
    assert standing.expired > 0 and standing.revoked == 1


def test_demo_records_are_marked_and_use_real_communes(demo):
    assert not Product.objects.filter(is_demo=False).exists()
    assert not Producer.objects.filter(is_demo=False).exists()
    assert all("minh hoạ" in d for d in Product.objects.values_list("description", flat=True))
    assert Product.objects.filter(legacy_commune__name="Nga Thanh", legacy_commune__district__name="Nga Sơn")


def test_loading_twice_is_refused_unless_asked_to_skip(demo):
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()

