"""Writing: a checked plan written in one transaction with ``bulk_create``, with a history entry per row."""

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad

from products.models import Producer, Product, provisional_code
from products.normalise import fold, vietnamese_slug

from ..models import Evaluation
from ..services import recognitions_resequence
from .planning import ImportPlan, register_plan
from .report import ImportReport

BATCH_SIZE = 500


def _unique_slug(name: str, taken: set, max_length: int = 240) -> str:
    """The same slug :func:`products.models.unique_slug` gives, against an in-memory set."""
    base = vietnamese_slug(name)[:max_length].strip("-") or "san-pham"
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def _assign_codes(products):
    """Number new products by primary key (``Product.code_for``) in one UPDATE rather than one per row."""
    for product in products:
        product.code = Product.code_for(product.pk)
    width = len(Product.code_for(0)) - len(Product.CODE_PREFIX)
    short = [p for p in products if len(p.code) == len(Product.CODE_PREFIX) + width]
    if short:
        Product.objects.filter(pk__in=[p.pk for p in short]).update(
            code=Concat(Value(Product.CODE_PREFIX), LPad(Cast("pk", CharField()), width, Value("0")))
        )
    # LPad would cut longer numbers: those (past 999,999) are updated row by row.
    long = [p for p in products if len(p.code) != len(Product.CODE_PREFIX) + width]
    Product.objects.bulk_update(long, ["code"], batch_size=BATCH_SIZE)


def _write_producers(plan: ImportPlan, history_kwargs: dict):
    taken = set(Producer.objects.values_list("slug", flat=True))
    producers = []
    for new in plan.producers.values():
        new.instance = Producer(
            name=new.name, name_key=fold(new.name), slug=_unique_slug(new.name, taken), kind=new.kind,
            commune=new.commune,
        )
        producers.append(new.instance)
    Producer.objects.bulk_create(producers, batch_size=BATCH_SIZE)
    Producer.history.bulk_history_create(producers, **history_kwargs)


def _write_products(plan: ImportPlan, history_kwargs: dict):
    def producer_id(key):
        return key if isinstance(key, int) else plan.producers[key].instance.pk

    taken = set(Product.objects.values_list("slug", flat=True))
    products = []
    for new in plan.products.values():
        new.instance = Product(
            name=new.name, name_key=fold(new.name), slug=_unique_slug(new.name, taken),
            producer_id=producer_id(new.producer_key), commune=new.commune, legacy_commune=new.legacy_commune,
            group=new.group, code=provisional_code(),
        )
        products.append(new.instance)
    Product.objects.bulk_create(products, batch_size=BATCH_SIZE)
    _assign_codes(products)
    Product.history.bulk_history_create(products, **history_kwargs)


def _write_evaluations(plan: ImportPlan, history_kwargs: dict):
    def product_id(key):
        return key if isinstance(key, int) else plan.products[key].instance.pk

    evaluations = [Evaluation(product_id=product_id(new.product_key), **new.values) for new in plan.evaluations]
    Evaluation.objects.bulk_create(evaluations, batch_size=BATCH_SIZE)
    Evaluation.history.bulk_history_create(evaluations, **history_kwargs)
    recognitions_resequence(product_ids={evaluation.product_id for evaluation in evaluations})


@transaction.atomic
def plan_write(plan: ImportPlan, *, user=None, reason: str):
    """Write a plan with no errors: producers, then products, then evaluations, each in bulk."""
    history_kwargs = {"default_user": user, "default_change_reason": reason, "batch_size": BATCH_SIZE}
    _write_producers(plan, history_kwargs)
    _write_products(plan, history_kwargs)
    _write_evaluations(plan, history_kwargs)


def register_import(data: bytes, filename: str = "", *, dry_run: bool = False, user=None) -> ImportReport:
    """Import a council's list. Writes everything, or, if any row is invalid (or ``dry_run``), nothing."""
    plan = register_plan(data, filename)
    report = plan.report
    if report.ok and not dry_run:
        plan_write(plan, user=user, reason=f"Nhập danh sách: {filename or 'tệp'}"[:100])
        report.written = True
    return report
