"""Synthetic data at any scale, for benchmarks (``manage.py generate_scale``).

Producers, products spread over every current commune and every product subgroup, and
1–3 evaluations per product (a first recognition, sometimes a re-recognition 36 months
later, a revocation, a draft or a provincial proposal). Written in bulk, producers and products
through ``products.services`` (slugs and codes as everywhere else): the audit trail is not
recorded for synthetic rows.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction

from ocop_registry.planner import statistics_refresh
from products.models import Commune, LegacyCommune, Producer, ProducerKind, Product, ProductGroup
from products.services import producers_bulk_create, products_bulk_create

from . import rules
from .models import Evaluation, EvaluationStatus
from .rules import PART_MAXIMA, CouncilLevel, RuleSet
from .services import recognitions_resequence

BATCH = 2000
FIRST_DAY = datetime.date(2019, 6, 1)
LAST_DAY = datetime.date(2026, 10, 31)

WORDS = [
    "Nước mắm", "Nem chua", "Chè lam", "Mật ong", "Gạo nếp", "Chiếu cói", "Rượu men lá", "Dầu lạc", "Bưởi",
    "Cam", "Măng khô", "Mộc nhĩ", "Tinh dầu sả", "Trà", "Thổ cẩm", "Cao dược liệu", "Giò bò", "Chả tôm",
    "Miến dong", "Lan", "Bánh gai", "Mây tre đan", "Gà đồi", "Du lịch cộng đồng",
]
KINDS = [ProducerKind.COOPERATIVE, ProducerKind.ENTERPRISE, ProducerKind.HOUSEHOLD, ProducerKind.COOPERATIVE_GROUP]


@dataclass
class ScaleReport:
    producers: int
    products: int
    evaluations: int


def scores_in_band(rng, rule_set, stars):
    """Random part scores under ``rule_set`` whose total falls in ``stars``' band (synthetic and demo data)."""
    low, high = rules.band_for(stars)
    maxima = PART_MAXIMA[RuleSet(rule_set)]
    total = rng.randint(low, high)
    a = min(maxima.a, round(maxima.a * total / 100))
    b = min(maxima.b, round(maxima.b * total / 100))
    c = total - a - b
    while c > maxima.c:
        c -= 1
        a, b = (a + 1, b) if a < maxima.a else (a, b + 1)
    return a, b, c


def _random_day(rng, start=FIRST_DAY, end=LAST_DAY):
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _evaluation(rng, product, day, stars, *, level=None, status=EvaluationStatus.RECOGNISED, n=0):
    level = level or (CouncilLevel.CENTRAL if stars == rules.NATIONAL_STARS else CouncilLevel.PROVINCE)
    rule_set = rules.rule_set_for(day)
    a, b, c = scores_in_band(rng, rule_set, stars)
    decided = status in (EvaluationStatus.RECOGNISED, EvaluationStatus.REVOKED)
    evaluation = Evaluation(
        product=product,
        evaluated_on=day - datetime.timedelta(days=14),
        rule_set=rule_set,
        level=level,
        score_a=a,
        score_b=b,
        score_c=c,
        status=status,
        decision_no=f"{1000 + n % 9000}/QĐ-UBND-{day.year}-{product.pk}" if decided else "",
        decision_date=day if decided else None,
    )
    if status == EvaluationStatus.REVOKED:
        evaluation.revocation_no = f"{n % 900 + 100}/QĐ-UBND"
        evaluation.revocation_date = day + datetime.timedelta(days=rng.randint(30, 600))
    return evaluation


@transaction.atomic
def scale_generate(*, products: int, seed: int = 2019) -> ScaleReport:
    rng = random.Random(seed)
    communes = list(Commune.objects.order_by("code"))
    legacy_by_successor = {}
    for legacy in LegacyCommune.objects.order_by("code"):
        legacy_by_successor.setdefault(legacy.successor_id, []).append(legacy)
    subgroups = list(ProductGroup.objects.filter(parent__isnull=False).order_by("code"))
    if not communes or not subgroups:
        raise ValueError("Load the administrative units first (manage.py load_communes).")
    run = rng.randrange(10**6)

    producer_count = max(1, products // 3)
    producer_rows = []
    for i in range(producer_count):
        commune = communes[i % len(communes)]
        producer_rows.append(
            Producer(
                name=f"Chủ thể mô phỏng {run}-{i} {commune.name}",
                kind=KINDS[i % len(KINDS)],
                phone=f"09{rng.randrange(10**8):08d}",
                commune=commune,
                is_demo=True,
            )
        )
    producer_rows = producers_bulk_create(producers=producer_rows, record_history=False, batch_size=BATCH)

    product_rows = []
    for i in range(products):
        producer = producer_rows[i % producer_count]
        commune = communes[(i * 7) % len(communes)]
        legacy_options = legacy_by_successor.get(commune.pk) or [None]
        product_rows.append(
            Product(
                name=f"{WORDS[i % len(WORDS)]} mô phỏng {run}-{i}",
                producer=producer,
                commune=commune,
                legacy_commune=legacy_options[i % len(legacy_options)],
                group=subgroups[i % len(subgroups)],
                description="Dữ liệu mô phỏng cho đo hiệu năng.",
                is_demo=True,
            )
        )
    product_rows = products_bulk_create(products=product_rows, record_history=False, batch_size=BATCH)

    evaluation_rows = []
    for n, product in enumerate(product_rows):
        first_day = _random_day(rng, FIRST_DAY, datetime.date(2025, 12, 31))
        roll = rng.random()
        # About 1% at 5 stars, 11% at 4, the rest at 3.
        stars = (
            rules.NATIONAL_STARS if roll < 0.01
            else rules.BELOW_CENTRAL_MAX_STARS if roll < 0.12
            else rules.CERTIFIED_MIN_STARS
        )
        status = EvaluationStatus.REVOKED if rng.random() < 0.02 else EvaluationStatus.RECOGNISED
        evaluation_rows.append(_evaluation(rng, product, first_day, stars, status=status, n=n))
        extra = rng.random()
        renewal_day = first_day + datetime.timedelta(days=rng.randint(1000, 1090))
        if extra < 0.35 and renewal_day <= LAST_DAY and status == EvaluationStatus.RECOGNISED:
            # The province renews (5-star products included: at most 4 stars), sometimes a star higher.
            cap = rules.BELOW_CENTRAL_MAX_STARS
            new_stars = min(cap, stars + 1) if rng.random() < 0.2 else min(stars, cap)
            evaluation_rows.append(_evaluation(rng, product, renewal_day, new_stars, n=n + 1))
        elif extra < 0.45:
            evaluation_rows.append(
                _evaluation(
                    rng, product, _random_day(rng), rules.CERTIFIED_MIN_STARS, status=EvaluationStatus.SCORED, n=n + 2
                )
            )
        if stars == rules.BELOW_CENTRAL_MAX_STARS and rng.random() < 0.05:
            # The province scores a 4-star product 90+ and proposes it for 5 stars.
            proposal = _evaluation(rng, product, first_day, rules.NATIONAL_STARS, level=CouncilLevel.PROVINCE,
                                   status=EvaluationStatus.SCORED, n=n + 3)
            proposal.proposed_national = True
            proposal.proposal_date = first_day + datetime.timedelta(days=30)
            evaluation_rows.append(proposal)
    Evaluation.objects.bulk_create(evaluation_rows, batch_size=BATCH)
    recognitions_resequence(product_ids=[product.pk for product in product_rows])
    statistics_refresh(Producer, Product, Evaluation)
    return ScaleReport(producers=len(producer_rows), products=len(product_rows), evaluations=len(evaluation_rows))
