"""Writes with rules for the products app: administrative units, producers, products.

Every producer and product is created here, one at a time (:func:`producer_create`, :func:`product_create`; the
admin's forms through :func:`producer_insert`, :func:`product_insert`) or in bulk (:func:`producers_bulk_create`,
:func:`products_bulk_create`: the register import, the scale generator). Both paths give the same result: a slug
free in the table ("nuoc-mam", "nuoc-mam-2", …), a product code by number (``OCOP-38-000123``) and a "created"
history entry that carries that code. ``Model.save`` keeps only the folded search key, true on every save.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad

from ocop_registry import data_version

from .models import (
    PROVINCE_CODE,
    PROVISIONAL_CODE_PREFIX,
    Commune,
    LegacyCommune,
    LegacyDistrict,
    Producer,
    Product,
)
from .normalise import fold, vietnamese_slug

BATCH_SIZE = 500
SLUG_MAX_LENGTH = 240  # of the 255 the slug columns hold: room for a "-n" suffix
SLUG_FALLBACK = "san-pham"  # for a name with no letter or digit to slugify


# --- Slugs and codes ----------------------------------------------------------------------------------------


def _slug_base(name: str) -> str:
    return vietnamese_slug(name)[:SLUG_MAX_LENGTH].strip("-") or SLUG_FALLBACK


def slug_claim(name: str, *, taken: set[str]) -> str:
    """The first of "nuoc-mam", "nuoc-mam-2", "nuoc-mam-3", … (from ``name``) not in ``taken``; added to it."""
    base = _slug_base(name)
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def _slugs_assign(model, rows: Sequence) -> None:
    """Give each unsaved row of ``model`` without a slug a free one, in order, in one query: for one row the
    slugs sharing its base (an indexed prefix lookup), for a batch every slug of the table."""
    pending = [row for row in rows if not row.slug]
    if not pending:
        return
    existing = model.objects.order_by()
    if len(rows) == 1:
        existing = existing.filter(slug__startswith=_slug_base(rows[0].name))
    taken = set(existing.values_list("slug", flat=True)) | {row.slug for row in rows if row.slug}
    for row in pending:
        row.slug = slug_claim(row.name, taken=taken)


def _products_number(products: Sequence[Product], *, batch_size: int = BATCH_SIZE) -> None:
    """Replace the provisional codes of saved products by ``Product.code_for(pk)``: one UPDATE for any number of
    rows (a range of primary keys, no parameter per row), and row by row only past 999,999, which LPad would cut.

    Rows of the range still holding a provisional code are exactly the ones being numbered: codes are numbered in
    the transaction that inserts the row, so no committed row keeps a placeholder.
    """
    if not products:
        return
    for product in products:
        product.code = Product.code_for(product.pk)
    digits = len(Product.code_for(0)) - len(Product.CODE_PREFIX)
    padded_up_to = 10**digits - 1
    first, last = min(p.pk for p in products), min(max(p.pk for p in products), padded_up_to)
    if first <= last:
        Product.objects.filter(pk__range=(first, last), code__startswith=PROVISIONAL_CODE_PREFIX).update(
            code=Concat(Value(Product.CODE_PREFIX), LPad(Cast("pk", CharField()), digits, Value("0")))
        )
    longer = [p for p in products if p.pk > padded_up_to]
    Product.objects.bulk_update(longer, ["code"], batch_size=batch_size)


# --- Producers ----------------------------------------------------------------------------------------------


@transaction.atomic
def producer_create(*, name: str, kind: str, commune: Commune, **details) -> Producer:
    """Validate and save a new producer with a free slug. ``details``: the other fields of :class:`Producer`
    (tax_code, representative, phone, email, address, is_demo)."""
    producer = Producer(name=name, kind=kind, commune=commune, **details)
    producer.full_clean()
    return _producer_insert(producer)


@transaction.atomic
def producer_insert(*, producer: Producer) -> Producer:
    """Save a new producer already validated (the admin's form): its slug, then the row, whose history entry
    django-simple-history writes."""
    return _producer_insert(producer)


def _producer_insert(producer: Producer) -> Producer:
    _slugs_assign(Producer, [producer])
    producer.save()
    return producer


@transaction.atomic(savepoint=False)  # see products_bulk_create
def producers_bulk_create(*, producers: Sequence[Producer], **options) -> list[Producer]:
    """Save new producers, checked beforehand, with ``bulk_create``: slugs as :func:`producer_insert` gives them,
    and "created" history entries unless ``record_history`` is off (synthetic data). A few queries per batch.
    ``options``: as :func:`products_bulk_create`."""
    return _rows_bulk_create(Producer, producers, **options)


def _rows_bulk_create(
    model,
    rows: Sequence,
    *,
    record_history: bool = True,
    history_user=None,
    history_reason: str = "",
    batch_size: int = BATCH_SIZE,
    before_history=None,
) -> list:
    """``rows`` of ``model`` saved with ``bulk_create`` as one by one: folded names and free slugs (which
    ``save()`` and the single-row services give), then ``before_history(rows)``, then the history entries."""
    rows = list(rows)
    if not rows:
        return rows
    for row in rows:
        row.name_key = fold(row.name)  # bulk_create skips save()
    _slugs_assign(model, rows)
    model.objects.bulk_create(rows, batch_size=batch_size)
    data_version.bump()  # bulk_create sends no post_save
    if before_history:
        before_history(rows, batch_size=batch_size)
    if record_history:
        model.history.bulk_history_create(
            rows, default_user=history_user, default_change_reason=history_reason, batch_size=batch_size
        )
    return rows


# --- Products -----------------------------------------------------------------------------------------------


@transaction.atomic
def product_create(*, name: str, producer: Producer, commune: Commune, **details) -> Product:
    """Validate and save a new product: a free slug, then its code by number. ``details``: the other fields of
    :class:`Product` (legacy_commune, group, description, image, is_published, is_demo)."""
    product = Product(name=name, producer=producer, commune=commune, **details)
    product.full_clean()
    return _product_insert(product)


@transaction.atomic
def product_insert(*, product: Product) -> Product:
    """Save a new product already validated (the admin's form) as :func:`product_create` does."""
    return _product_insert(product)


def _product_insert(product: Product) -> Product:
    """Its slug; the row with a provisional code, then numbered by its primary key; and its "created" history
    entry given that code."""
    _slugs_assign(Product, [product])
    product.save()
    _products_number([product])
    # django-simple-history wrote the "created" entry on save, with the placeholder: give it the real code.
    Product.history.filter(id=product.pk, code__startswith=PROVISIONAL_CODE_PREFIX).update(code=product.code)
    return product


# Atomic on its own, but without a savepoint when already in a transaction (the register import, the scale
# generator): its two statements would be a good part of the fixed cost, and those callers let any failure
# roll back their whole transaction anyway.
@transaction.atomic(savepoint=False)
def products_bulk_create(
    *,
    products: Sequence[Product],
    record_history: bool = True,
    history_user=None,
    history_reason: str = "",
    batch_size: int = BATCH_SIZE,
) -> list[Product]:
    """Save new products, checked beforehand, with ``bulk_create``: the same slugs and codes as
    :func:`product_insert` gives them, and "created" history entries (written after numbering, so with the real
    code) unless ``record_history`` is off (synthetic data). A few queries per batch, whatever the number of rows."""
    return _rows_bulk_create(
        Product,
        products,
        record_history=record_history,
        history_user=history_user,
        history_reason=history_reason,
        batch_size=batch_size,
        before_history=_products_number,
    )


# --- Administrative units -----------------------------------------------------------------------------------

DISTRICT_KINDS = {"Huyện": "huyen", "Thị xã": "thi_xa", "Thành phố": "thanh_pho"}
LEGACY_COMMUNE_KINDS = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran"}
COMMUNE_KINDS = {"Xã": "xa", "Phường": "phuong"}


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    def count(self, bucket: str, model_name: str):
        counts = getattr(self, bucket)
        counts[model_name] = counts.get(model_name, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _json_list(value):
    return json.loads(value) if value else []


def _sync(model, rows: dict, report: LoadReport, *, key="code"):
    """Create or update ``model`` rows keyed by ``key`` so they equal ``rows``; return them by key."""
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": list(rows)})}
    result = {}
    for code, values in rows.items():
        obj = existing.get(code)
        if obj is None:
            obj = model(**{key: code}, **values)
            obj.save()
            report.count("created", model.__name__)
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            obj.save()
            report.count("updated", model.__name__)
        result[code] = obj
    return result


@transaction.atomic
def administrative_units_load() -> LoadReport:
    """Load Thanh Hóa's current and legacy units from the ``vietnamadminunits`` package.

    Current units (from 1/7/2025): ``admin_units``; legacy units (before): ``admin_units_legacy``;
    each legacy commune's successor(s) from the package's 2025 conversion table, whose
    ``isDefaultNewWard`` names the default successor of a split commune. Idempotent.
    """
    # Imported here on purpose: the package takes ~0.7 s to import, and only this command needs it.
    from vietnamadminunits.converter.converter_2025 import (
        DICT_PROVINCE_WARD_DIVIDED,
        DICT_PROVINCE_WARD_NO_DIVIDED,
    )
    from vietnamadminunits.database import query

    report = LoadReport()
    current = query(
        "SELECT ward, wardShort, wardType, wardCode, wardLat, wardLon, wardAreaKm2, wardKey, provinceKey "
        f"FROM admin_units WHERE provinceCode = '{PROVINCE_CODE}' ORDER BY wardCode"
    )
    province_key = current[0]["provinceKey"]
    communes = _sync(
        Commune,
        {
            row["wardCode"]: {
                "name": row["wardShort"],
                "kind": COMMUNE_KINDS[row["wardType"]],
                "slug": vietnamese_slug(row["ward"]),
                "latitude": row["wardLat"],
                "longitude": row["wardLon"],
                "area_km2": row["wardAreaKm2"],
            }
            for row in current
        },
        report,
    )
    commune_by_key = {row["wardKey"]: communes[row["wardCode"]] for row in current}

    legacy = query(
        "SELECT districtShort, districtType, districtCode, districtLat, districtLon, districtAlias, districtKey, "
        "wardShort, wardType, wardCode, wardLat, wardLon, wardAlias, wardKey "
        f"FROM admin_units_legacy WHERE provinceCode = '{PROVINCE_CODE}' ORDER BY districtCode, wardCode"
    )
    districts = _sync(
        LegacyDistrict,
        {
            row["districtCode"]: {
                "name": row["districtShort"],
                "kind": DISTRICT_KINDS[row["districtType"]],
                "latitude": row["districtLat"],
                "longitude": row["districtLon"],
                "former_names": _json_list(row["districtAlias"]),
            }
            for row in legacy
        },
        report,
    )

    undivided = {
        old_key: new_key
        for new_key, old_keys in DICT_PROVINCE_WARD_NO_DIVIDED[province_key].items()
        for old_key in old_keys
    }
    divided = DICT_PROVINCE_WARD_DIVIDED.get(province_key, {})
    successors = {}
    for row in legacy:
        old_key = f"{province_key}_{row['districtKey']}_{row['wardKey']}"
        if old_key in undivided:
            successors[row["wardCode"]] = (commune_by_key[undivided[old_key]], [])
        else:
            parts = divided[old_key]
            default = next(p for p in parts if p["isDefaultNewWard"])
            others = [commune_by_key[p["newWardKey"]] for p in parts if p is not default]
            successors[row["wardCode"]] = (commune_by_key[default["newWardKey"]], others)

    legacy_communes = _sync(
        LegacyCommune,
        {
            row["wardCode"]: {
                "name": row["wardShort"],
                "kind": LEGACY_COMMUNE_KINDS[row["wardType"]],
                "district": districts[row["districtCode"]],
                "successor": successors[row["wardCode"]][0],
                "latitude": row["wardLat"],
                "longitude": row["wardLon"],
                "former_names": _json_list(row["wardAlias"]),
            }
            for row in legacy
        },
        report,
    )
    for code, legacy_commune in legacy_communes.items():
        wanted = {c.pk for c in successors[code][1]}
        have = set(legacy_commune.other_successors.values_list("pk", flat=True))
        if wanted != have:
            legacy_commune.other_successors.set(wanted)
            report.count("updated", "LegacyCommune successors")
    return report
