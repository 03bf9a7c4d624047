"""Writing: a checked plan written in one transaction with ``bulk_create``, with a history entry per row."""

from django.db import transaction

from ocop_registry.planner import statistics_refresh
from products.models import Producer, Product
from products.services import producers_bulk_create, products_bulk_create

from ..models import Evaluation
from ..services import recognitions_resequence
from .planning import ImportPlan, register_plan
from .report import ImportReport

BATCH_SIZE = 500


def _write_producers(plan: ImportPlan, history_kwargs: dict):
    for new in plan.producers.values():
        new.instance = Producer(name=new.name, kind=new.kind, commune=new.commune)
    producers_bulk_create(producers=[new.instance for new in plan.producers.values()], **history_kwargs)


def _write_products(plan: ImportPlan, history_kwargs: dict):
    def producer_id(key):
        return key if isinstance(key, int) else plan.producers[key].instance.pk

    for new in plan.products.values():
        new.instance = Product(
            name=new.name, producer_id=producer_id(new.producer_key), commune=new.commune,
            legacy_commune=new.legacy_commune, group=new.group,
        )
    products_bulk_create(products=[new.instance for new in plan.products.values()], **history_kwargs)


def _write_evaluations(plan: ImportPlan, user, reason: str):
    def product_id(key):
        return key if isinstance(key, int) else plan.products[key].instance.pk

    evaluations = [Evaluation(product_id=product_id(new.product_key), **new.values) for new in plan.evaluations]
    Evaluation.objects.bulk_create(evaluations, batch_size=BATCH_SIZE)
    Evaluation.history.bulk_history_create(
        evaluations, default_user=user, default_change_reason=reason, batch_size=BATCH_SIZE
    )
    recognitions_resequence(product_ids={evaluation.product_id for evaluation in evaluations})


@transaction.atomic
def plan_write(plan: ImportPlan, *, user=None, reason: str):
    """Write a plan with no errors: producers, then products (through ``products.services``), then
    evaluations, each in bulk, each row with a "created" history entry."""
    history_kwargs = {"history_user": user, "history_reason": reason, "batch_size": BATCH_SIZE}
    _write_producers(plan, history_kwargs)
    _write_products(plan, history_kwargs)
    _write_evaluations(plan, user, reason)
    statistics_refresh(Producer, Product, Evaluation)


def register_import(data: bytes, filename: str = "", *, dry_run: bool = False, user=None) -> ImportReport:
    """Import a council's list. Writes everything, or, if any row is invalid (or ``dry_run``), nothing."""
    plan = register_plan(data, filename)
    report = plan.report
    if report.ok and not dry_run:
        plan_write(plan, user=user, reason=f"Nhập danh sách: {filename or 'tệp'}"[:100])
        report.written = True
    return report
