import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from products.models import Commune, Producer, Product, ProductGroup
from products.normalise import fold, vietnamese_slug
from tests.factories import any_commune, legacy_commune, make_producer, make_product

pytestmark = pytest.mark.django_db


def assert_integrity_error(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_fold_ignores_case_diacritics_d_and_spacing():
    assert fold("  Nước   MẮM  Đồng ") == "nuoc mam dong"
    assert fold("Dầu lạc") == "dau lac"
    assert vietnamese_slug("Nước mắm Lê Gia") == "nuoc-mam-le-gia"


def test_producer_keeps_a_folded_name_key_and_a_slug():
    producer = make_producer(name="Hợp tác xã Đồng Tâm")
    assert producer.name_key == "hop tac xa dong tam"
    assert producer.slug == "hop-tac-xa-dong-tam"
    assert make_producer(name="Hợp tác xã Đồng Tâm").slug == "hop-tac-xa-dong-tam-2"


def test_producer_tax_code_is_unique_only_when_present():
    make_producer(tax_code="")
    make_producer(tax_code="")  # two producers without a tax code are fine
    make_producer(tax_code="2801234567")
    assert_integrity_error(
        lambda: Producer.objects.create(name="X", kind="htx", commune=any_commune(), tax_code="2801234567")
    )


def test_producer_tax_code_clash_has_a_friendly_message():
    make_producer(tax_code="2801234567")
    with pytest.raises(ValidationError) as error:
        make_producer(tax_code="2801234567")
    assert "2801234567" in str(error.value.message_dict["tax_code"])


def test_producer_tax_code_format_is_checked_by_the_database():
    assert_integrity_error(
        lambda: Producer.objects.create(name="X", kind="htx", commune=any_commune(), tax_code="12ab")
    )
    Producer.objects.create(name="Y", kind="htx", commune=any_commune(), tax_code="2801234567-001")


def test_producer_kind_is_one_of_the_four_domain_kinds():
    assert_integrity_error(lambda: Producer.objects.create(name="X", kind="ngo", commune=any_commune()))
    assert set(Producer.Kind.values) == {"doanh_nghiep", "htx", "tht", "ho_kd"}


def test_commune_code_and_kind_constraints():
    assert_integrity_error(lambda: Commune.objects.create(code="123", name="A", kind="xa", slug="a"))
    assert_integrity_error(lambda: Commune.objects.create(code="99999", name="A", kind="huyen", slug="a"))


def test_commune_with_producers_cannot_be_deleted():
    producer = make_producer()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        producer.commune.delete()


def test_product_code_is_generated_from_its_number_and_never_changes():
    product = make_product(name="Nem chua Thanh Hóa")
    assert product.code == f"OCOP-38-{product.pk:06d}"
    product.name = "Nem chua Thanh Hóa (mới)"
    product.save()
    product.refresh_from_db()
    assert product.code == f"OCOP-38-{product.pk:06d}"
    assert product.slug == "nem-chua-thanh-hoa"


def test_product_code_prefix_is_checked_by_the_database():
    product = make_product()
    assert_integrity_error(lambda: Product.objects.filter(pk=product.pk).update(code="XYZ-1"))


def test_product_name_is_unique_per_producer_ignoring_case_and_diacritics():
    producer = make_producer()
    make_product(producer=producer, name="Nước mắm cá cơm")
    with pytest.raises(ValidationError) as error:
        make_product(producer=producer, name="NUOC MAM  ca com")
    assert "name" in error.value.message_dict
    make_product(name="Nước mắm cá cơm")  # another producer may use the same name


def test_product_unique_name_per_producer_is_a_database_constraint():
    product = make_product(name="Mật ong rừng")
    duplicate = Product(name="mat ong rung", producer=product.producer, commune=product.commune)
    assert_integrity_error(duplicate.save)


def test_product_recorded_in_a_legacy_commune_must_sit_in_one_of_its_successors():
    legacy = legacy_commune("Nga Sơn", "Nga Thanh")
    other = Commune.objects.exclude(pk=legacy.successor_id).first()
    with pytest.raises(ValidationError) as error:
        make_product(legacy_commune=legacy, commune=other)
    assert "commune" in error.value.message_dict
    assert make_product(legacy_commune=legacy).commune == legacy.successor


def test_product_group_codes_follow_the_148_tree():
    assert_integrity_error(lambda: ProductGroup.objects.create(code="I.3", name="x"))  # a subgroup needs a parent
    group = ProductGroup.objects.get(code="I")
    assert_integrity_error(lambda: ProductGroup.objects.create(code="VII", name="x", parent=group))


def test_seeded_product_groups_are_the_148_tree_with_1048_sectors_mapped():
    assert list(ProductGroup.objects.filter(parent=None).values_list("code", flat=True)) == [
        "I", "II", "III", "IV", "V", "VI"
    ]
    subgroups = dict(ProductGroup.objects.filter(parent__isnull=False).values_list("code", "name"))
    assert len(subgroups) == 17
    assert subgroups["I.3"] == "Thực phẩm chế biến"
    assert subgroups["IV.2"] == "Vải, may mặc"
    from products.models import LegacySector

    mapping = dict(LegacySector.objects.values_list("name", "group__code"))
    assert mapping == {
        "Thực phẩm": "I",
        "Đồ uống": "II",
        "Thảo dược": "III",
        "Vải và may mặc": "IV.2",
        "Lưu niệm – nội thất – trang trí": "IV.1",
        "Dịch vụ du lịch nông thôn, bán hàng": "VI",
    }


def test_the_audit_trail_records_the_products_real_code_from_creation():
    product = make_product(name="Chè lam Phủ Quảng")
    created = product.history.get(history_type="+")
    assert created.code == product.code == f"OCOP-38-{product.pk:06d}"


def test_the_folded_name_key_follows_every_save_of_the_name():
    """What ``save()`` still does, on every save: keep the search key of the row's own name."""
    product = make_product(name="Nem chua")
    product.name = "Nem chua Thanh Hóa"
    product.save(update_fields=["name"])
    product.refresh_from_db()
    assert product.name_key == "nem chua thanh hoa"
    assert product.slug == "nem-chua"  # slugs and codes are given once, on creation (products.services)


# --- The current recognition (the read model kept by evaluations.services.recognitions_resequence) ------------------


def test_a_product_knows_its_current_certificate_and_its_status_on_a_day():
    import datetime

    from evaluations.services import evaluation_revoke
    from tests.factories import make_recognition

    product = make_product()
    assert (product.current_recognition_id, product.certificate_status(datetime.date(2024, 1, 1))) == (None, None)
    recognition = make_recognition(product, stars=4, decision_date=datetime.date(2021, 3, 1))
    product.refresh_from_db()
    assert (product.current_stars, product.current_decision_date) == (4, datetime.date(2021, 3, 1))
    assert product.current_valid_until == datetime.date(2024, 3, 1)
    assert product.certificate_status(datetime.date(2023, 6, 1)) == "valid"
    assert product.certificate_status(datetime.date(2024, 1, 1)) == "expiring"
    assert product.certificate_status(datetime.date(2024, 3, 2)) == "expired"
    evaluation_revoke(evaluation=recognition, revocation_no="3/QĐ-UBND", revocation_date=datetime.date(2022, 5, 5))
    product.refresh_from_db()
    assert product.certificate_status(datetime.date(2022, 5, 4)) == "valid"
    assert product.certificate_status(datetime.date(2022, 5, 5)) == "revoked"
    for day in (datetime.date(2021, 3, 1), datetime.date(2022, 5, 5), datetime.date(2024, 3, 2)):
        assert product.certificate_status(day) == recognition.certificate_status(day)


def test_the_migration_fills_the_current_recognition_as_the_service_keeps_it():
    """``0004_current_certificate`` fills the columns of the products already registered."""
    import datetime
    import importlib

    from django.apps import apps

    from evaluations.services import evaluation_revoke
    from tests.factories import make_recognition

    first = make_recognition(stars=3, decision_date=datetime.date(2020, 6, 1))
    renewal = make_recognition(first.product, stars=4, decision_date=datetime.date(2023, 6, 1))
    revoked = make_recognition(stars=3, decision_date=datetime.date(2022, 1, 3))
    evaluation_revoke(evaluation=revoked, revocation_no="8/QĐ", revocation_date=datetime.date(2022, 9, 9))
    make_product()  # no recognition
    kept = list(Product.objects.order_by("pk").values_list("pk", *Product.CURRENT_COLUMNS))
    Product.objects.update(**dict(zip(Product.CURRENT_FIELDS, Product.NO_CURRENT_RECOGNITION)))

    migration = importlib.import_module("products.migrations.0004_current_certificate")
    migration.backfill(apps, None)

    assert list(Product.objects.order_by("pk").values_list("pk", *Product.CURRENT_COLUMNS)) == kept
    assert Product.objects.get(pk=renewal.product_id).current_recognition_id == renewal.pk
    assert Product.objects.get(pk=revoked.product_id).current_revoked_on == datetime.date(2022, 9, 9)


# Phone numbers and tax codes (Vietnamese formats) ---------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    ["0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678", "0237 3852 123", "(0237) 385 2123",
     "0912 345 678, 0237 3852 123", ""],
)
def test_vietnamese_phone_numbers_are_accepted(phone):
    assert make_producer(phone=phone).phone == phone


@pytest.mark.parametrize("phone", ["abc", "0912 abc def", "12345", "0123456789", "555-0100", "0912345678; xyz"])
def test_a_phone_that_is_not_a_vietnamese_number_is_refused_on_its_field(phone):
    with pytest.raises(ValidationError) as error:
        make_producer(phone=phone)
    assert list(error.value.message_dict) == ["phone"]
    assert "không phải số điện thoại Việt Nam hợp lệ" in error.value.message_dict["phone"][0]


@pytest.mark.parametrize("tax_code", ["2801234567", "2801234567-001"])
def test_a_tax_code_of_10_or_10_3_digits_is_accepted(tax_code):
    assert make_producer(tax_code=tax_code).tax_code == tax_code


@pytest.mark.parametrize("tax_code", ["12ab", "280123456", "28012345678", "2801234567-01", "2801234567 001"])
def test_a_malformed_tax_code_gets_one_vietnamese_message_on_its_field(tax_code):
    with pytest.raises(ValidationError) as error:
        make_producer(tax_code=tax_code)
    assert error.value.message_dict == {
        "tax_code": ["Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (ví dụ 2801234567-001)."]
    }


def test_the_tax_code_check_and_the_database_constraint_are_one_pattern():
    """The field's validator and the CHECK constraint read the same pattern, so neither accepts what the other
    refuses: every case above gets the same answer from both."""
    cases = [("2801234567", True), ("2801234567-001", True), ("12ab", False), ("280123456", False)]
    for n, (tax_code, valid) in enumerate(cases):
        producer = Producer(name=f"X{n}", slug=f"x{n}", kind="htx", commune=any_commune(), tax_code=tax_code)
        if valid:
            producer.save()
        else:
            assert_integrity_error(producer.save)


def test_likely_duplicates_are_the_same_folded_name_in_the_same_commune():
    commune, other = Commune.objects.order_by("code")[:2]
    first = make_producer(name="HTX Chè Lam", commune=commune)
    make_producer(name="HTX Chè Lam", commune=other)
    assert list(Producer.objects.likely_duplicates(name="htx  che LAM", commune_id=commune.pk)) == [first]
    assert not Producer.objects.likely_duplicates(name="HTX Chè Lam", commune_id=commune.pk, exclude_pk=first.pk)


def test_a_check_constraint_violation_lands_on_its_field_in_vietnamese():
    commune = Commune(code="123", name="Thử", kind="xa", slug="thu")
    with pytest.raises(ValidationError) as error:
        commune.validate_constraints()
    assert error.value.message_dict == {"code": ["Mã xã/phường gồm đúng 5 chữ số."]}
