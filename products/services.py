"""Writes with rules for the products app: administrative units, producers, products."""

from dataclasses import dataclass, field

from django.db import transaction

from .models import PROVINCE_CODE, Commune, LegacyCommune, LegacyDistrict
from .normalise import vietnamese_slug

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
    import json

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
