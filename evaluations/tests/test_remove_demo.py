"""``manage.py remove_demo`` (issue 11, acceptance 1): every demo record goes, and only those — demo products
with their evaluations, images, files and history, and demo producers — in one transaction, after a
confirmation unless --noinput, with the derived data (current certificates, data version) kept true."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from evaluations import demo as demo_module
from evaluations.models import Evaluation
from ocop_registry import data_version
from products.models import Producer, Product, ProductImage
from products.tests.test_views import png_upload
from tests.factories import make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db


def test_without_demo_data_there_is_nothing_to_do(db):
    # First in the file: the demo story below stays loaded from the first test that asks for it to the end.
    make_product()

    assert remove("--noinput").strip() == "No demo data; nothing to remove."
    assert Product.objects.count() == 1


@pytest.fixture
def registry(db, demo_story):
    """The demo story beside a small real registry: a real producer with a recognised product and its image."""
    producer = make_producer(name="HTX Chè Lam Phủ Quảng")
    product = make_product(name="Chè lam Phủ Quảng", producer=producer, image=png_upload("real.png"))
    make_recognition(product, stars=4, decision_date=datetime.date(2025, 3, 1))
    return {"producer": producer, "product": product}


def remove(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command("remove_demo", *args, stdout=out, **kwargs)
    return out.getvalue()


def counts() -> dict:
    return {
        "products": Product.objects.count(),
        "producers": Producer.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "images": ProductImage.objects.count(),
        "history": Product.history.count() + Producer.history.count() + Evaluation.history.count(),
    }


def test_removes_every_demo_record_and_only_those(registry, django_capture_on_commit_callbacks):
    demo_products = Product.objects.filter(is_demo=True).count()
    demo_producers = Producer.objects.filter(is_demo=True).count()
    demo_evaluations = Evaluation.objects.filter(product__is_demo=True).count()
    assert demo_products and demo_producers and demo_evaluations

    with django_capture_on_commit_callbacks(execute=True):
        output = remove("--noinput")

    assert output.strip() == (
        f"Removed {demo_products} demo products, {demo_producers} demo producers, "
        f"{demo_evaluations} evaluations and 0 images."
    )
    assert list(Product.objects.all()) == [registry["product"]]
    assert list(Producer.objects.all()) == [registry["producer"]]
    assert set(Evaluation.objects.values_list("product", flat=True)) == {registry["product"].pk}
    assert not Product.history.filter(is_demo=True).exists()
    assert not Producer.history.filter(is_demo=True).exists()
    assert set(Evaluation.history.values_list("product_id", flat=True)) == {registry["product"].pk}


def test_the_derived_data_stays_true(registry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        remove("--noinput")

    call_command("check_derived", stdout=io.StringIO())  # fails if a product's current certificate is out of step
    real = Product.objects.get()
    assert (real.current_stars, real.current_decision_date) == (4, datetime.date(2025, 3, 1))


def test_the_data_version_moves_on_so_public_pages_are_computed_afresh(registry, django_capture_on_commit_callbacks):
    before = data_version.current()
    with django_capture_on_commit_callbacks(execute=True):
        remove("--noinput")

    assert data_version.current() > before


def test_demo_images_and_their_files_go_the_real_ones_stay(registry, django_capture_on_commit_callbacks):
    demo = Product.objects.filter(is_demo=True).first()
    with django_capture_on_commit_callbacks(execute=True):
        demo.image = png_upload("demo.png")
        demo.save()
        gallery = ProductImage.objects.create(product=demo, image=png_upload("demo-2.png"))
    demo_files = [demo.image.name, gallery.image.name]
    real_file = registry["product"].image.name
    assert all(default_storage.exists(name) for name in [*demo_files, real_file])

    with django_capture_on_commit_callbacks(execute=True):
        output = remove("--noinput")

    assert "and 1 images" in output
    assert not ProductImage.objects.exists()
    assert not any(default_storage.exists(name) for name in demo_files)
    assert default_storage.exists(real_file)


def test_asks_for_confirmation_and_keeps_everything_when_refused(registry, monkeypatch):
    before = counts()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Cancelled; nothing was removed"):
        remove()

    assert counts() == before


def test_removes_after_a_yes(registry, monkeypatch):
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "yes")

    remove()

    assert "demo products" in prompts[0] and "Type 'yes'" in prompts[0]
    assert not Product.objects.filter(is_demo=True).exists()


def test_is_atomic_all_or_nothing(registry, monkeypatch):
    before = counts()

    def fail(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(demo_module, "recognitions_resequence", fail)
    with pytest.raises(RuntimeError):
        remove("--noinput")

    assert counts() == before


def test_refuses_when_a_real_product_belongs_to_a_demo_producer(registry):
    demo_producer = Producer.objects.filter(is_demo=True).first()
    make_product(name="Sản phẩm thật của chủ thể minh họa", producer=demo_producer)
    before = counts()

    with pytest.raises(CommandError, match="Real products .* belong to demo producers.*nothing was removed"):
        remove("--noinput")

    assert counts() == before


def test_a_real_office_can_load_the_demo_again_after_removing_it(registry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        remove("--noinput")
        call_command("load_demo", stdout=io.StringIO())

    assert Product.objects.filter(is_demo=True).exists()
