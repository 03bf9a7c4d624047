"""Placing communes: a row's commune (and former district) found among today's and the legacy units,
and its product group found by code or name. Everything is loaded once and looked up in memory."""

import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext

from products.models import Commune, LegacyCommune, LegacyDistrict, LegacySector, ProductGroup
from products.normalise import fold

from .cells import cell_text, has_marks, name_key

_COMMUNE_PREFIXES = (
    ("thi tran", "thi_tran"), ("phuong", "phuong"), ("xa", "xa"), ("tt", "thi_tran"), ("p", "phuong"),
)
_DISTRICT_PREFIXES = (
    ("thanh pho", "thanh_pho"), ("thi xa", "thi_xa"), ("huyen", "huyen"), ("tp", "thanh_pho"),
    ("tx", "thi_xa"), ("h", "huyen"),
)


@dataclass
class _UnitName:
    raw: str  # as written, without its prefix
    key: str  # folded key without the prefix
    full_key: str  # folded key with the prefix ("phuong nghi" is a name, not a prefix)
    kind: str | None

    @property
    def compact_keys(self) -> set:
        return {self.key.replace(" ", ""), self.full_key.replace(" ", "")}


def _split_prefix(text: str, prefixes) -> _UnitName:
    words = re.sub(r"[^\w]+", " ", cell_text(text)).split()
    folded = [fold(word) for word in words]
    full_key = " ".join(folded)
    for prefix, kind in prefixes:
        size = len(prefix.split())
        if len(words) > size and " ".join(folded[:size]) == prefix:
            rest = words[size:]
            return _UnitName(" ".join(rest), " ".join(folded[size:]), full_key, kind)
    return _UnitName(" ".join(words), full_key, full_key, None)


class _UnitIndex:
    """Units looked up by literal name, folded name and earlier (folded, no-space) names."""

    def __init__(self, units):
        self.literal = defaultdict(list)
        self.folded = defaultdict(list)
        self.former = defaultdict(list)
        for unit in units:
            self.literal[unit.name.lower()].append(unit)
            self.folded[name_key(unit.name)].append(unit)
            for former in getattr(unit, "former_names", None) or ():
                self.former[former].append(unit)

    def pick(self, name: _UnitName, literal: bool, former: bool) -> list:
        """Tiers: literal name (when the row is written with marks), folded name, earlier names."""
        tiers = []
        if literal:
            tiers.append(self.literal.get(name.raw.lower(), []))
        tiers.append(self.folded.get(name.key, []))
        tiers.append(self.folded.get(name.full_key, []))
        if former:
            tiers.append(list({u.pk: u for key in name.compact_keys for u in self.former.get(key, [])}.values()))
        for found in tiers:
            if found and name.kind:
                found = [u for u in found if u.kind == name.kind] or found
            if found:
                return found
        return []


@dataclass(frozen=True)
class Placement:
    """Where a row's product is: today's commune, the legacy commune it was written as, or the problems."""

    commune: Commune | None = None
    legacy: LegacyCommune | None = None
    problems: tuple = ()  # ((field, message), …)

    def __str__(self):
        return f"{self.legacy} → {self.commune}" if self.legacy else str(self.commune)


class Places:
    """Every unit and group, loaded once and looked up in memory (results memoised per name)."""

    def __init__(self):
        communes = list(Commune.objects.all())
        legacy = list(LegacyCommune.objects.select_related("district", "successor"))
        self.communes = _UnitIndex(communes)
        self.districts = _UnitIndex(LegacyDistrict.objects.all())
        self.legacy = _UnitIndex(legacy)
        by_district = defaultdict(list)
        for unit in legacy:
            by_district[unit.district_id].append(unit)
        self.legacy_by_district = {pk: _UnitIndex(units) for pk, units in by_district.items()}
        self.groups = list(ProductGroup.objects.select_related("parent"))
        self.group_by_code = {group.code: group for group in self.groups}
        self.group_by_name = defaultdict(list)
        for group in self.groups:
            self.group_by_name[name_key(group.name)].append(group)
        self.sector_group = {name_key(s.name): s.group for s in LegacySector.objects.select_related("group")}
        self._memo = {}

    def _memoised(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # --- Lookups ----------------------------------------------------------------------------

    def district(self, text: str):
        return self._memoised(("district", text), lambda: self.districts.pick(
            _split_prefix(text, _DISTRICT_PREFIXES), has_marks(text), former=True
        ))

    def legacy_commune(self, text: str, districts, literal: bool):
        def compute():
            name = _split_prefix(text, _COMMUNE_PREFIXES)
            found = []
            for district in districts:
                index = self.legacy_by_district.get(district.pk)
                if index is not None:
                    found += index.pick(name, literal, former=True)
            return found

        return self._memoised(("legacy", text, tuple(d.pk for d in districts), literal), compute)

    def legacy_commune_anywhere(self, text: str):
        return self.legacy.pick(_split_prefix(text, _COMMUNE_PREFIXES), False, former=True)

    def commune(self, text: str):
        return self._memoised(("commune", text), lambda: self.communes.pick(
            _split_prefix(text, _COMMUNE_PREFIXES), has_marks(text), former=False
        ))

    def group(self, text: str):
        return self._memoised(("group", text), lambda: self._group(text))

    def _group(self, text: str):
        """A group by code ("I.3", "Nhóm I.3", "I.3. Thực phẩm chế biến") or by a 148 or 1048 name."""
        text = cell_text(text)
        stripped = re.sub(r"^(?:nhóm|phân nhóm|ngành|nhom|phan nhom|nganh)\s+", "", text, flags=re.IGNORECASE)
        match = re.match(r"^([IVX]+(?:\.[0-9]+)?)\.?(?=\s|$)", stripped.upper())
        if match:
            return self.group_by_code.get(match.group(1))
        key = name_key(stripped)
        found = self.group_by_name.get(key, [])
        if len(found) > 1:
            # A group and its only subgroup can share a name (VI / VI.1): take the subgroup.
            subgroups = [g for g in found if g.is_subgroup]
            found = subgroups if len(subgroups) == 1 else []
        if found:
            return found[0]
        return self.sector_group.get(key)

    # --- Placing a row ----------------------------------------------------------------------

    def place(self, commune: str, district: str) -> Placement:
        """The commune a row names: a legacy one when the former district is given, else today's."""
        if district:
            return self._memoised(("place", commune, district), lambda: self._place_legacy(commune, district))
        return self._memoised(("place", commune), lambda: self._place_current(commune))

    def _place_legacy(self, commune: str, district: str) -> Placement:
        districts = self.district(district)
        if not districts:
            return Placement(problems=(("district", gettext(
                "Không tìm thấy huyện/thị xã/thành phố cũ “%(value)s” của Thanh Hóa."
            ) % {"value": district}),))
        found = self.legacy_commune(commune, districts, has_marks(commune, district))
        if len(found) == 1:
            return Placement(commune=found[0].successor, legacy=found[0])
        if len(found) > 1:
            names = "; ".join(str(u) for u in found)
            return Placement(problems=(("commune", gettext(
                "“%(value)s” khớp nhiều đơn vị: %(names)s. Hãy ghi đúng tên có dấu."
            ) % {"value": commune, "names": names}),))
        elsewhere = self.legacy_commune_anywhere(commune)
        hint = ""
        if elsewhere:
            names = "; ".join(str(unit) for unit in elsewhere[:5])
            hint = " " + gettext("Có đơn vị cùng tên ở: %(names)s.") % {"names": names}
        district_names = ", ".join(str(d) for d in districts)
        return Placement(problems=(("commune", gettext("Không tìm thấy xã “%(value)s” thuộc %(districts)s.") % {
            "value": commune, "districts": district_names,
        } + hint),))

    def _place_current(self, commune: str) -> Placement:
        found = self.commune(commune)
        if len(found) == 1:
            return Placement(commune=found[0])
        if len(found) > 1:
            names = "; ".join(gettext("%(unit)s (mã %(code)s)") % {"unit": c, "code": c.code} for c in found)
            return Placement(problems=(("commune", gettext(
                "“%(value)s” khớp nhiều xã/phường: %(names)s. Hãy ghi rõ “Xã …” hoặc “Phường …”."
            ) % {"value": commune, "names": names}),))
        return Placement(problems=(("commune", gettext(
            "Không có xã/phường hiện nay tên “%(value)s”. "
            "Nếu đây là xã cũ (trước 01/07/2025), hãy ghi thêm cột “Huyện”."
        ) % {"value": commune}),))
