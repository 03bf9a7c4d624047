"""Illustrative demo data that tells Thanh Hóa's OCOP story truthfully in shape.

Every record made here is flagged ``is_demo`` and its description says so. The shape follows
DOMAIN.md's reference figures:

- 23/12/2019, Decision 5445/QĐ-UBND: 13 products (5 at 4★, 8 at 3★);
- round I of 2020 (decided before 30/6/2020): +17 (1 at 4★, 16 at 3★), so that on
  30/6/2020 exactly 30 products are recognised, 6 at 4★ and 24 at 3★ (30 of the 53 target);
- 23/7/2020: the provincial council proposes the fish sauce and the shrimp paste for 5★;
- end of 2020: 69 products from 47 producers;
- later: a certificate left to expire, a revoked one, a re-recognition at a higher star,
  a 5★ product by central decision, 148-era district and provincial rounds (including the 2023
  re-recognitions of the 2020 certificates), and 2025–2026 rounds under 1489/QĐ-TTg, some of them
  re-recognitions, some products placed in the new communes; on 28/11/2026 a batch of certificates
  is due within 90 days and another has just lapsed.

Product and producer names are illustrative; producers have no phone number (any number that passes the
phone check could be someone's: public pages show each demo producer's as a fictitious ``0000 000 0xx``, see
``products.templatetags.catalogue.public_phone``); commune and district names are real units from the
registry's administrative data. Decision numbers other than 5445/QĐ-UBND are
illustrative too.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from products.models import Commune, LegacyCommune, Producer, ProducerKind, Product, ProductGroup, ProductImage
from products.services import producer_create, product_create

from .models import Evaluation
from .rules import CouncilLevel, rule_set_for
from .scale import scores_in_band
from .services import (
    evaluation_propose_national,
    evaluation_recognise,
    evaluation_record,
    evaluation_revoke,
    recognitions_resequence,
)

DEMO_NOTE = "Dữ liệu minh hoạ (demo): không phải hồ sơ thật."

# (product type, group code, producer kind)
PRODUCT_TYPES = [
    ("Nước mắm", "I.4", ProducerKind.ENTERPRISE),
    ("Mắm tôm", "I.4", ProducerKind.ENTERPRISE),
    ("Nem chua", "I.3", ProducerKind.HOUSEHOLD),
    ("Chè lam", "I.3", ProducerKind.HOUSEHOLD),
    ("Bánh gai", "I.3", ProducerKind.HOUSEHOLD),
    ("Mật ong rừng", "I.3", ProducerKind.COOPERATIVE),
    ("Gạo nếp cái hoa vàng", "I.2", ProducerKind.COOPERATIVE),
    ("Chiếu cói", "IV.1", ProducerKind.COOPERATIVE),
    ("Rượu men lá", "II.1", ProducerKind.HOUSEHOLD),
    ("Dầu lạc ép", "I.3", ProducerKind.COOPERATIVE_GROUP),
    ("Bưởi Luận Văn", "I.1", ProducerKind.COOPERATIVE),
    ("Cam đường", "I.1", ProducerKind.COOPERATIVE),
    ("Măng khô", "I.2", ProducerKind.COOPERATIVE_GROUP),
    ("Mộc nhĩ", "I.2", ProducerKind.COOPERATIVE_GROUP),
    ("Tinh dầu sả chanh", "III.3", ProducerKind.COOPERATIVE),
    ("Trà hoa vàng", "I.5", ProducerKind.ENTERPRISE),
    ("Thổ cẩm", "IV.2", ProducerKind.COOPERATIVE_GROUP),
    ("Cao dược liệu", "III.1", ProducerKind.ENTERPRISE),
    ("Dầu xoa bóp thảo dược", "III.1", ProducerKind.HOUSEHOLD),
    ("Xà phòng thảo dược", "III.2", ProducerKind.COOPERATIVE),
    ("Giò bò", "I.3", ProducerKind.HOUSEHOLD),
    ("Chả tôm", "I.3", ProducerKind.HOUSEHOLD),
    ("Cá thu một nắng", "I.2", ProducerKind.ENTERPRISE),
    ("Miến dong", "I.3", ProducerKind.COOPERATIVE),
    ("Lan hồ điệp", "V.1", ProducerKind.COOPERATIVE),
    ("Bánh răng bừa", "I.3", ProducerKind.HOUSEHOLD),
    ("Nước uống thảo mộc", "II.2", ProducerKind.ENTERPRISE),
    ("Gà đồi", "I.1", ProducerKind.COOPERATIVE),
    ("Đồ mỹ nghệ mây tre", "IV.1", ProducerKind.COOPERATIVE),
    ("Du lịch cộng đồng", "VI.1", ProducerKind.COOPERATIVE),
]

# Real pre-2025 units: (district, commune).
LEGACY_PLACES = [
    ("Hậu Lộc", "Ngư Lộc"), ("Hậu Lộc", "Hải Lộc"), ("Thọ Xuân", "Xuân Phú"), ("Hoằng Hóa", "Hoằng Đạt"),
    ("Hà Trung", "Hà Long"), ("Thường Xuân", "Xuân Cao"), ("Thiệu Hóa", "Thiệu Nguyên"), ("Nga Sơn", "Nga Thanh"),
    ("Như Thanh", "Xuân Du"), ("Triệu Sơn", "Dân Lý"), ("Thạch Thành", "Thành Tâm"), ("Ngọc Lặc", "Phùng Giáo"),
    ("Quan Hóa", "Phú Lệ"), ("Bá Thước", "Lũng Niêm"), ("Thường Xuân", "Vạn Xuân"), ("Như Xuân", "Thanh Sơn"),
    ("Bá Thước", "Thành Lâm"), ("Nông Cống", "Trung Chính"), ("Yên Định", "Định Tăng"), ("Quảng Xương", "Quảng Nham"),
    ("Sầm Sơn", "Quảng Tiến"), ("Hoằng Hóa", "Hoằng Phong"), ("Nga Sơn", "Nga Hải"), ("Vĩnh Lộc", "Vĩnh Hùng"),
    ("Cẩm Thủy", "Cẩm Tú"), ("Hậu Lộc", "Đa Lộc"), ("Nông Cống", "Tế Lợi"), ("Như Xuân", "Xuân Hòa"),
    ("Thạch Thành", "Thạch Cẩm"), ("Bá Thước", "Lũng Cao"), ("Triệu Sơn", "Thọ Tiến"), ("Yên Định", "Yên Trường"),
    ("Hà Trung", "Hà Sơn"), ("Vĩnh Lộc", "Vĩnh Long"), ("Cẩm Thủy", "Cẩm Lương"), ("Ngọc Lặc", "Minh Sơn"),
    ("Thọ Xuân", "Xuân Lập"), ("Quảng Xương", "Quảng Lưu"), ("Thiệu Hóa", "Thiệu Giao"), ("Như Thanh", "Yên Thọ"),
    ("Quan Hóa", "Hiền Kiệt"), ("Thường Xuân", "Luận Thành"), ("Nga Sơn", "Nga Thủy"), ("Hoằng Hóa", "Hoằng Trung"),
    ("Triệu Sơn", "Hợp Thành"), ("Sầm Sơn", "Quảng Minh"), ("Cẩm Thủy", "Cẩm Bình"),
]

PERSON_NAMES = [
    "Lê Văn Gia", "Nguyễn Thị Hoa", "Trần Văn Minh", "Phạm Thị Lan", "Hoàng Văn Nam", "Lê Thị Thu",
    "Đỗ Văn Hùng", "Vũ Thị Mai", "Bùi Văn Tuấn", "Đặng Thị Hằng", "Ngô Văn Long", "Trịnh Thị Nga",
]

ROUND_2019 = ("5445/QĐ-UBND", datetime.date(2019, 12, 23))
ROUND_2020_I = ("2134/QĐ-UBND", datetime.date(2020, 6, 12))
ROUND_2020_II = ("5370/QĐ-UBND", datetime.date(2020, 12, 18))
PROPOSAL_2020 = ("45/TTr-HĐĐG", datetime.date(2020, 7, 23))


class DemoDataExists(Exception):
    pass


class DemoBuilder:
    def __init__(self):
        self.rng = random.Random(38)
        self.groups = {g.code: g for g in ProductGroup.objects.all()}
        self.legacy = {
            (lc.district.name, lc.name): lc
            for lc in LegacyCommune.objects.select_related("district", "successor")
        }
        self.producers = []

    def producer(self, index, kind, place_name, commune):
        person = PERSON_NAMES[index % len(PERSON_NAMES)]
        name = {
            ProducerKind.ENTERPRISE: f"Công ty TNHH {place_name} Xanh",
            ProducerKind.COOPERATIVE: f"HTX Nông nghiệp {place_name}",
            ProducerKind.COOPERATIVE_GROUP: f"Tổ hợp tác sản xuất {place_name}",
            ProducerKind.HOUSEHOLD: f"Hộ kinh doanh {person}",
        }[kind]
        if kind == ProducerKind.HOUSEHOLD:
            name = f"{name} ({place_name})"
        producer = producer_create(
            name=name,
            kind=kind,
            representative=person,
            phone="",  # any valid-looking number could be someone's: public pages show a fictitious one
            email=f"chuthe{index:02d}@example.vn",
            address=f"Thôn 1, {commune.full_name}",
            commune=commune,
            is_demo=True,
        )
        self.producers.append(producer)
        return producer

    def product(self, name, group_code, producer, commune, legacy_commune=None, description=""):
        return product_create(
            name=name,
            producer=producer,
            commune=commune,
            legacy_commune=legacy_commune,
            group=self.groups[group_code],
            description=description or f"{name}. {DEMO_NOTE}",
            is_demo=True,
        )

    def recognise(self, product, stars, decision, level=CouncilLevel.PROVINCE, evaluated_on=None, scores=True):
        decision_no, decision_date = decision
        evaluated_on = evaluated_on or decision_date - datetime.timedelta(days=20)
        rule_set = rule_set_for(evaluated_on)
        if scores:
            a, b, c = scores_in_band(self.rng, rule_set, stars)
            evaluation = evaluation_record(
                product=product, level=level, evaluated_on=evaluated_on, score_a=a, score_b=b, score_c=c,
                notes=DEMO_NOTE,
            )
        else:
            evaluation = evaluation_record(
                product=product, level=level, evaluated_on=evaluated_on, declared_stars=stars, notes=DEMO_NOTE
            )
        return evaluation_recognise(evaluation=evaluation, decision_no=decision_no, decision_date=decision_date)


@transaction.atomic
def demo_load() -> dict:
    """Load the demo story. Refuses to run twice (demo products already present)."""
    if Product.objects.filter(is_demo=True).exists():
        raise DemoDataExists("Demo data is already loaded.")
    builder = DemoBuilder()
    products = []

    # 2019–2020: 69 products from 47 producers, placed in legacy communes and their successors.
    for index in range(69):
        product_type, group_code, kind = PRODUCT_TYPES[index % len(PRODUCT_TYPES)]
        if index < 47:
            district_name, commune_name = LEGACY_PLACES[index]
            legacy = builder.legacy[(district_name, commune_name)]
            producer = builder.producer(index, kind, commune_name, legacy.successor)
        else:
            producer = builder.producers[index - 47]
            legacy = LegacyCommune.objects.get(pk=products[index - 47].legacy_commune_id)
            commune_name = legacy.name
        name = "Nước mắm Lê Gia" if index == 0 else (
            "Mắm tôm Lê Gia" if index == 1 else f"{product_type} {commune_name}"
        )
        products.append(builder.product(name, group_code, producer, legacy.successor, legacy))

    # 23/12/2019 — Decision 5445/QĐ-UBND: 13 products, 5 at 4★ and 8 at 3★.
    for index in range(13):
        builder.recognise(products[index], 4 if index < 5 else 3, ROUND_2019)
    # Round I of 2020: 17 more, 1 at 4★ and 16 at 3★ → 30 on 30/6/2020 (6×4★, 24×3★).
    for index in range(13, 30):
        builder.recognise(products[index], 4 if index == 13 else 3, ROUND_2020_I)
    # 23/7/2020: the provincial council scores the fish sauce and shrimp paste at 90+ and proposes them for 5★.
    proposal_no, proposal_date = PROPOSAL_2020
    for product, scores in ((products[0], (34, 24, 35)), (products[1], (33, 23, 35))):
        evaluation = evaluation_record(
            product=product, level=CouncilLevel.PROVINCE, evaluated_on=proposal_date,
            score_a=scores[0], score_b=scores[1], score_c=scores[2], notes=DEMO_NOTE,
        )
        evaluation_propose_national(evaluation=evaluation, proposal_date=proposal_date, proposal_no=proposal_no)
    # Round II of 2020: 39 more, 5 at 4★ → 69 products by the end of 2020.
    for index in range(30, 69):
        builder.recognise(products[index], 4 if index % 8 == 0 else 3, ROUND_2020_II)

    # 2021: a certificate revoked (the producer stopped making the product).
    revoked = Evaluation.objects.get(product=products[20], decision_no=ROUND_2020_I[0])
    evaluation_revoke(evaluation=revoked, revocation_no="1520/QĐ-UBND", revocation_date=datetime.date(2021, 5, 10))
    # 2022: the central council recognises the fish sauce at 5★.
    builder.recognise(
        products[0], 5, ("1875/QĐ-BNN-VPĐP", datetime.date(2022, 6, 20)), level=CouncilLevel.CENTRAL
    )
    # 12/2022: re-recognition of 2019 certificates before they lapse; one moves up 3★ → 4★, one down 4★ → 3★.
    rerecognition = ("4980/QĐ-UBND", datetime.date(2022, 12, 15))
    builder.recognise(products[5], 4, rerecognition)
    builder.recognise(products[6], 3, rerecognition)
    builder.recognise(products[2], 3, rerecognition)
    builder.recognise(products[1], 4, rerecognition)
    # products[7..12] are not re-recognised in time: their 2019 certificates expired on 23/12/2022.

    # 2023 (148/QĐ-TTg): re-recognition of the 2020 certificates before they lapse. Districts
    # re-recognise 3★, the province 4★; a few round-II products are not renewed and expire.
    district_numbers = {}

    def district_decision(product, day):
        district = product.legacy_commune.district
        number = district_numbers.setdefault((district.pk, day), 1400 + len(district_numbers))
        return f"{number}/QĐ-UBND", day

    for index in range(13, 30):
        if index == 20:
            continue  # revoked in 2021
        day = datetime.date(2023, 5, 25)
        if index == 13:
            builder.recognise(products[index], 4, ("1960/QĐ-UBND", day))
        else:
            builder.recognise(products[index], 3, district_decision(products[index], day), level=CouncilLevel.DISTRICT)
    for index in range(30, 69):
        if index % 5 == 4:
            continue  # not renewed: the 2020 certificate expired on 18/12/2023
        day = datetime.date(2023, 12, 8)
        if index % 8 == 0:
            builder.recognise(products[index], 4, ("5102/QĐ-UBND", day))
        else:
            builder.recognise(products[index], 3, district_decision(products[index], day), level=CouncilLevel.DISTRICT)

    # 2023–2025 (148/QĐ-TTg): districts recognise 3★, the province 4★.
    new_products = []
    later_places = list(builder.legacy.values())[::23][:24]
    for offset, legacy in enumerate(later_places):
        product_type, group_code, kind = PRODUCT_TYPES[(offset * 7 + 3) % len(PRODUCT_TYPES)]
        producer = builder.producer(100 + offset, kind, legacy.name, legacy.successor)
        new_products.append(
            builder.product(f"{product_type} {legacy.name}", group_code, producer, legacy.successor, legacy)
        )
    for offset, product in enumerate(new_products[:10]):
        builder.recognise(
            product, 3, (f"{3100 + offset}/QĐ-UBND", datetime.date(2023, 11, 20)), level=CouncilLevel.DISTRICT
        )
    for product in new_products[10:14]:
        builder.recognise(product, 4, ("4321/QĐ-UBND", datetime.date(2024, 7, 5)))
    for offset, product in enumerate(new_products[14:20]):
        builder.recognise(
            product, 3, (f"{2200 + offset}/QĐ-UBND", datetime.date(2025, 3, 14)), level=CouncilLevel.DISTRICT
        )
    # A second 5★ by central decision in 2025, after a 2024 provincial proposal.
    star_product = new_products[10]
    proposal = evaluation_record(
        product=star_product, level=CouncilLevel.PROVINCE, evaluated_on=datetime.date(2024, 10, 2),
        score_a=38, score_b=24, score_c=30, notes=DEMO_NOTE,
    )
    evaluation_propose_national(evaluation=proposal, proposal_date=datetime.date(2024, 10, 2), proposal_no="88/TTr-UBND")
    builder.recognise(
        star_product, 5, ("2650/QĐ-BNN-KTHT", datetime.date(2025, 5, 28)), level=CouncilLevel.CENTRAL
    )

    # From 1/7/2025 (1489/QĐ-TTg): the province recognises 3★ and 4★; products placed in new communes.
    communes = list(Commune.objects.order_by("code")[::17])
    for offset, commune in enumerate(communes[:6]):
        product_type, group_code, kind = PRODUCT_TYPES[(offset * 5 + 1) % len(PRODUCT_TYPES)]
        producer = builder.producer(200 + offset, kind, commune.name, commune)
        product = builder.product(f"{product_type} {commune.name}", group_code, producer, commune)
        decision = ("1120/QĐ-UBND", datetime.date(2026, 3, 18)) if offset >= 3 else (
            "3890/QĐ-UBND", datetime.date(2025, 10, 24)
        )
        builder.recognise(product, 4 if offset == 0 else 3, decision)
    # 6/2025: the central council re-recognises the fish sauce at 5★ before its 2022 certificate lapses.
    builder.recognise(
        products[0], 5, ("1702/QĐ-BNN-KTHT", datetime.date(2025, 6, 10)), level=CouncilLevel.CENTRAL
    )
    # 2025–2026 (1489/QĐ-TTg): the province re-recognises the certificates of 2022 and 2023.
    renewal = ("4415/QĐ-UBND", datetime.date(2025, 12, 5))
    for product in (products[1], products[2], products[5], products[6]):
        latest = Evaluation.objects.filter(product=product).latest_per_product(renewal[1]).get()
        builder.recognise(product, latest.stars, renewal)
    for index in range(13, 30):
        if index != 20:
            builder.recognise(products[index], 4 if index in (13, 17) else 3, ("1530/QĐ-UBND", datetime.date(2026, 5, 20)))
    for product in new_products[:5]:
        builder.recognise(product, 3, ("3675/QĐ-UBND", datetime.date(2026, 11, 5)))
    # new_products[5:10] were not renewed: their 2023 certificates expired on 21/11/2026. The round-II
    # products re-recognised on 8/12/2023 are due on 8/12/2026: they show as expiring within 90 days.

    # Still in progress: a draft and a scored evaluation without a decision.
    evaluation_record(product=new_products[20], level=CouncilLevel.PROVINCE, notes=DEMO_NOTE)
    evaluation_record(
        product=new_products[21], level=CouncilLevel.PROVINCE, evaluated_on=datetime.date(2026, 10, 15),
        score_a=30, score_b=18, score_c=22, notes=DEMO_NOTE,
    )
    # A product that failed a mandatory requirement.
    evaluation_record(
        product=new_products[22], level=CouncilLevel.PROVINCE, evaluated_on=datetime.date(2026, 10, 15),
        score_a=28, score_b=15, score_c=20, not_rated=True, notes=DEMO_NOTE,
    )
    return {
        "producers": Producer.objects.filter(is_demo=True).count(),
        "products": Product.objects.filter(is_demo=True).count(),
        "evaluations": Evaluation.objects.filter(product__is_demo=True).count(),
    }


# --- Removing the demo ---------------------------------------------------------------------------------------


class DemoDataInUse(Exception):
    """Real records (not ``is_demo``) depend on demo ones: removing the demo would take them along."""


@dataclass(frozen=True)
class DemoRecords:
    """What :func:`demo_remove` removes (or would remove): demo products (``is_demo``, or made by a demo
    producer), their evaluations and images, and the demo producers."""

    products: int
    producers: int
    evaluations: int
    images: int

    def __bool__(self):
        return any((self.products, self.producers, self.evaluations, self.images))


def _demo_products():
    return Product.objects.filter(Q(is_demo=True) | Q(producer__is_demo=True))


def demo_records() -> DemoRecords:
    """Count the demo records, as :func:`demo_remove` would remove them."""
    products = _demo_products()
    return DemoRecords(
        products=products.count(),
        producers=Producer.objects.filter(is_demo=True).count(),
        evaluations=Evaluation.objects.filter(product__in=products).count(),
        images=ProductImage.objects.filter(product__in=products).count(),
    )


def _files_of(products) -> list:
    """(storage, name) of the uploaded images of ``products`` (a QuerySet) and their thumbnails, to delete once
    the rows are gone for good. A file that another product also uses is kept."""
    owners = [*products.exclude(image=""), *ProductImage.objects.filter(product__in=products)]
    files = []
    for owner in owners:
        files.append((owner.image.storage, owner.image.name))
        for width in (320, 640, 1024):
            thumbnail = getattr(owner, f"thumb_{width}")
            try:
                files.append((thumbnail.storage, thumbnail.name))
            except (OSError, ValueError):  # a source the thumbnailer cannot name: nothing of it to delete
                pass
    names = [name for _, name in files]
    shared = {
        *Product.objects.exclude(pk__in=products.values("pk")).filter(image__in=names).values_list("image", flat=True),
        *ProductImage.objects.exclude(product__in=products).filter(image__in=names).values_list("image", flat=True),
    }
    return [(storage, name) for storage, name in files if name and name not in shared]


def _files_delete(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            pass  # already gone, or the store is unreachable: the rows are what matters


HISTORY_CHUNK = 5000  # ids per statement, well under SQLite's limit on parameters


@transaction.atomic
def demo_remove() -> DemoRecords:
    """Delete every demo record and only those: demo products (``is_demo``, or made by a demo producer) with
    their evaluations, images and image files, and the demo producers; and their history, so that the office
    starts from a clean registry. One transaction: all of it or nothing (the files go once it commits).

    The derived data stays true: ``recognitions_resequence`` runs for the products touched (and bumps the data
    version, as every write does). Refuses (:class:`DemoDataInUse`), removing nothing, when a real product
    belongs to a demo producer.
    """
    entangled = Product.objects.filter(producer__is_demo=True, is_demo=False)
    if entangled.exists():
        names = ", ".join(f"{p.code} {p.name}" for p in entangled.order_by("pk")[:10])
        raise DemoDataInUse(
            f"Real products (not flagged demo) belong to demo producers: {names}. Move them to a real producer "
            "or flag them demo first; nothing was removed."
        )
    counts = demo_records()
    products = _demo_products()
    ids = {
        Evaluation: list(Evaluation.objects.filter(product__in=products).values_list("pk", flat=True)),
        Product: list(products.values_list("pk", flat=True)),
        Producer: list(Producer.objects.filter(is_demo=True).values_list("pk", flat=True)),
    }
    files = _files_of(products)

    Evaluation.objects.filter(product__in=products).delete()
    Product.objects.filter(pk__in=products.values("pk")).delete()  # their images go with them (CASCADE)
    Producer.objects.filter(is_demo=True).delete()
    recognitions_resequence(product_ids=ids[Product])
    for model, pks in ids.items():  # their history too (including the deletions just recorded)
        for start in range(0, len(pks), HISTORY_CHUNK):
            model.history.filter(id__in=pks[start : start + HISTORY_CHUNK]).delete()
    transaction.on_commit(lambda: _files_delete(files))
    return counts
