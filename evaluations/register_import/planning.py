"""Planning rows: every data row checked and resolved against the registry (producers, products,
places, earlier decisions), with every error collected. Nothing is written here."""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext

from products.models import Commune, LegacyCommune, Producer, Product, ProductGroup

from .. import rules
from ..models import DECIDED_STATUSES, Evaluation
from ..rules import CouncilLevel
from .cells import (
    cell_text,
    infer_producer_kind,
    name_key,
    number_key,
    parse_date,
    parse_level,
    parse_producer_kind,
    parse_score,
    parse_stars,
)
from .places import Placement, Places
from .reading import COLUMN_BY_FIELD, REQUIRED_FIELDS, ImportFileError, read_rows
from .report import ImportReport, RowError, RowPlan

# Cells stored in columns of limited length: a longer value is a row error, never a database error.
MAX_LENGTHS = {
    "product": Product._meta.get_field("name").max_length,
    "producer": Producer._meta.get_field("name").max_length,
    "decision_no": Evaluation._meta.get_field("decision_no").max_length,
}


# --- What the plan holds --------------------------------------------------------------------


@dataclass
class NewProducer:
    name: str
    kind: str
    commune: Commune
    row: int
    instance: Producer | None = None


@dataclass
class NewProduct:
    name: str
    producer_key: object  # an existing producer id, or the folded name of a new producer
    commune: Commune
    legacy_commune: LegacyCommune | None
    group: ProductGroup | None
    row: int
    instance: Product | None = None


@dataclass
class NewEvaluation:
    product_key: object  # an existing product id, or a (producer key, folded name) of a new product
    values: dict
    row: int


@dataclass
class ImportPlan:
    report: ImportReport
    producers: dict = field(default_factory=dict)  # folded name → NewProducer
    products: dict = field(default_factory=dict)  # (producer key, folded name) → NewProduct
    evaluations: list = field(default_factory=list)  # [NewEvaluation]


class DecisionKey(NamedTuple):
    """What makes two rows (or a row and a recorded evaluation) the same decision."""

    product: object  # a product id, or the key of a new product
    is_proposal: bool  # numbered by its proposal number (a 5★ proposal), else by its decision number
    number: str  # the number, folded (:func:`number_key`)


class _Registry:
    """Existing producers, products and decisions, loaded once."""

    def __init__(self):
        self.producers = defaultdict(list)
        for producer in Producer.objects.select_related("commune").only("pk", "name", "name_key", "commune__name",
                                                                           "commune__kind"):
            self.producers[name_key(producer.name)].append(producer)
        self.products = {
            (producer_id, name_key(name)): pk
            for pk, producer_id, name in Product.objects.values_list("pk", "producer_id", "name")
        }
        self.decision_stars = {}  # DecisionKey → the stars recorded (None for a not-rated evaluation)
        self.decisions = defaultdict(list)  # product id → [(decision number, date)] of its recognition decisions
        rows = Evaluation.objects.values_list(
            "product_id", "decision_no", "decision_date", "status", "proposal_no", "proposed_national", "stars"
        )
        for product_id, decision_no, decision_date, status, proposal_no, proposed, stars in rows:
            if decision_no:
                self.decision_stars[DecisionKey(product_id, False, number_key(decision_no))] = stars
            if status in DECIDED_STATUSES:
                self.decisions[product_id].append((decision_no, decision_date))
            if proposed and proposal_no:
                self.decision_stars[DecisionKey(product_id, True, number_key(proposal_no))] = stars


# --- One row --------------------------------------------------------------------------------


@dataclass
class _Row:
    """One data row being planned: its cells, and the errors found in it (reported as they are found)."""

    number: int
    record: dict  # field → the cell as read
    text: dict  # field → the cell as text
    report: ImportReport
    headers: dict
    failed: bool = False

    def column(self, name: str) -> str:
        return self.headers.get(name) or COLUMN_BY_FIELD[name].label

    def error(self, name: str, message: str):
        self.report.error(self.number, self.column(name), message)
        self.failed = True

    def warn(self, name: str, message: str):
        self.report.warnings.append(RowError(self.number, self.column(name), message))

    @functools.cached_property
    def producer_name(self) -> str:
        return _spaced(self.text.get("producer", ""))

    @functools.cached_property
    def product_name(self) -> str:
        return _spaced(self.text.get("product", ""))


def _spaced(text: str) -> str:
    """A name or number with its inner spacing normalised."""
    return " ".join(text.split())


@dataclass
class _Decision:
    stars: int | None
    level: str | None
    number: str
    date: datetime.date | None
    score: int | None = None
    is_proposal: bool = field(init=False)

    def __post_init__(self):
        # 5 stars at the provincial level is the province's proposal to the central council.
        self.is_proposal = self.stars == rules.NATIONAL_STARS and self.level == CouncilLevel.PROVINCE

    @property
    def recorded_stars(self):
        """The stars the register records: a proposal is recorded as the province's 4-star evaluation."""
        return rules.BELOW_CENTRAL_MAX_STARS if self.is_proposal else self.stars


@dataclass
class _Match:
    """A producer or product: an existing id or the key of a new one, and whether this row adds it."""

    key: object = None
    is_new: bool = False


# --- Planning -------------------------------------------------------------------------------


class _Planner:
    """Plans the rows in order, against what it loads once: the places, the registry, and the decisions
    earlier rows of the file already plan."""

    def __init__(self, plan: ImportPlan, headers: dict):
        self.plan = plan
        self.report = plan.report
        self.headers = headers
        self.places = Places()
        self.registry = _Registry()
        self.today = timezone.localdate()
        self.seen = {}  # DecisionKey → (row number, stars) of the first row planning it
        self.planned_decisions = defaultdict(list)  # product key → [(decision number, date)] planned by earlier rows

    def plan_rows(self, records):
        for number, record in records:
            row = self._data_row(number, record)
            if row is not None:
                self._plan_row(row)

    def _data_row(self, number: int, record: dict) -> _Row | None:
        """The row to plan, or None for a blank, title or section row ("Huyện Nga Sơn", "Cộng")."""
        text = {name: cell_text(value) for name, value in record.items()}
        if not any(text.values()):
            return None
        if sum(1 for name in REQUIRED_FIELDS if text.get(name)) <= 1:
            self.report.skipped_rows.append(number)
            return None
        self.report.data_rows += 1
        return _Row(number, record, text, self.report, self.headers)

    def _plan_row(self, row: _Row):
        _check_filled_and_lengths(row)
        decision = _read_decision(row, self.today)
        _check_score(row, decision)
        placement = self._placement(row)
        group = self._group(row)
        kind = _read_kind(row)
        producer = self._producer(row, kind, placement)
        product = self._product(row, producer, placement, group)
        if not row.failed:
            self._plan_decision(row, decision, placement, producer, product)

    # --- Place, group, producer, product ----------------------------------------------------

    def _placement(self, row: _Row) -> Placement:
        if not row.text.get("commune"):
            return Placement()
        placement = self.places.place(row.text["commune"], row.text.get("district"))
        for name, message in placement.problems:
            row.error(name, message)
        return placement

    def _group(self, row: _Row) -> ProductGroup | None:
        if not row.text.get("group"):
            return None
        group = self.places.group(row.text["group"])
        if group is None:
            row.error("group", gettext("Không nhận ra nhóm sản phẩm “%(value)s”: ghi mã như “I.3” hoặc tên nhóm.")
                      % {"value": row.text["group"]})
        return group

    def _producer(self, row: _Row, kind: str | None, placement: Placement) -> _Match:
        """An existing producer by folded name, or a new one (added once its commune is known)."""
        producer_name = row.producer_name
        if not producer_name:
            return _Match()
        fkey = name_key(producer_name)
        existing = self.registry.producers.get(fkey, [])
        if len(existing) > 1:
            names = "; ".join(f"{p.name} ({p.commune})" for p in existing)
            row.error("producer", gettext(
                "Có nhiều chủ thể cùng tên trong sổ: %(names)s. Hãy gộp hoặc đổi tên trong trang quản trị."
            ) % {"names": names})
            return _Match()
        if existing:
            return _Match(existing[0].pk)
        if not fkey:
            row.error("producer", gettext("Tên chủ thể không hợp lệ."))
            return _Match()
        is_new = fkey not in self.plan.producers
        if is_new and placement.commune is not None:
            self.plan.producers[fkey] = NewProducer(
                name=producer_name, kind=kind or infer_producer_kind(producer_name), commune=placement.commune,
                row=row.number,
            )
            self.report.created_producers += 1
        return _Match(fkey, is_new)

    def _product(self, row: _Row, producer: _Match, placement: Placement, group) -> _Match:
        """An existing product of an existing producer by folded name, or a new one (for a valid row)."""
        product_name = row.product_name
        if producer.key is None or not product_name:
            return _Match()
        pkey = name_key(product_name)
        if not pkey:
            row.error("product", gettext("Tên sản phẩm không hợp lệ."))
            return _Match()
        if isinstance(producer.key, int) and (producer.key, pkey) in self.registry.products:
            return _Match(self.registry.products[(producer.key, pkey)])
        key = (producer.key, pkey)
        is_new = key not in self.plan.products
        if is_new and placement.commune is not None and not row.failed:
            self.plan.products[key] = NewProduct(
                name=product_name, producer_key=producer.key, commune=placement.commune,
                legacy_commune=placement.legacy, group=group, row=row.number,
            )
            self.report.created_products += 1
        return _Match(key, is_new)

    # --- The decision -----------------------------------------------------------------------

    def _plan_decision(self, row, decision: _Decision, placement: Placement, producer: _Match, product: _Match):
        """The row's decision: new, a repeat of an earlier row, or already in the register."""
        row_plan = RowPlan(
            row=row.number, product=row.product_name, producer=row.producer_name, place=str(placement),
            stars=decision.stars, level=decision.level, decision_no=decision.number,
            decision_date=decision.date, action="create", is_proposal=decision.is_proposal,
            new_producer=producer.is_new, new_product=product.is_new,
        )
        key = DecisionKey(product.key, decision.is_proposal, number_key(decision.number))
        if key in self.seen:
            if not self._repeat_of_earlier_row(row, row_plan, decision, self.seen[key]):
                return
        elif isinstance(product.key, int) and key in self.registry.decision_stars:
            self._already_recorded(row, row_plan, decision, self.registry.decision_stars[key])
        elif self._same_day_as_another_decision(row, decision, product):
            return
        else:
            self.seen[key] = (row.number, decision.stars)
            if not decision.is_proposal:
                self.planned_decisions[product.key].append((decision.number, decision.date))
            values = _evaluation_values(row, decision, self.report.filename)
            self.plan.evaluations.append(NewEvaluation(product_key=product.key, values=values, row=row.number))
            self.report.created_evaluations += 1
        self.report.rows.append(row_plan)

    def _same_day_as_another_decision(self, row: _Row, decision: _Decision, product: _Match) -> bool:
        """A new recognition of a product that already has another decision that day (in the register or in
        an earlier row): an error naming the first (``rules.same_day_recognition_problem``, as the admin)."""
        if decision.is_proposal or decision.date is None:
            return False
        earlier = [*self.registry.decisions.get(product.key, ()), *self.planned_decisions.get(product.key, ())]
        problem = rules.same_day_recognition_problem(decision_date=decision.date, earlier=earlier)
        if problem:
            row.error("decision_date", problem)
        return problem is not None

    def _repeat_of_earlier_row(self, row: _Row, row_plan: RowPlan, decision: _Decision, first) -> bool:
        """A second row for the same decision: unchanged if it agrees, an error (False) otherwise."""
        first_row, first_stars = first
        if first_stars != decision.stars:
            row.error("decision_no", gettext("Dòng %(row)s đã ghi quyết định này cho sản phẩm này với %(stars)s sao.")
                      % {"row": first_row, "stars": first_stars})
            return False
        row_plan.action = "unchanged"
        row_plan.note = gettext("Trùng dòng %(row)s.") % {"row": first_row}
        self.report.unchanged_rows += 1
        return True

    def _already_recorded(self, row: _Row, row_plan: RowPlan, decision: _Decision, existing_stars):
        """A decision the register has: kept as it is, with a warning when the file says other stars."""
        row_plan.action = "unchanged"
        self.report.unchanged_rows += 1
        if existing_stars == decision.recorded_stars:
            return
        row_plan.note = gettext("Sổ đang ghi %(stars)s sao; giữ nguyên bản ghi trong sổ.") % {"stars": existing_stars}
        row.warn("stars", gettext(
            "Quyết định %(decision)s đã có trong sổ với %(existing)s sao; tệp ghi %(stars)s sao. "
            "Giữ nguyên bản ghi trong sổ."
        ) % {"decision": decision.number, "existing": existing_stars, "stars": decision.stars})


# --- Row checks that need nothing but the row -----------------------------------------------


def _check_filled_and_lengths(row: _Row):
    for name in REQUIRED_FIELDS:
        if not row.text.get(name):
            row.error(name, gettext("Ô này không được để trống."))
    for name, limit in MAX_LENGTHS.items():
        if len(row.text.get(name, "")) > limit:
            row.error(name, gettext("Quá dài: tối đa %(max)s ký tự (ô này có %(n)s).")
                      % {"max": limit, "n": len(row.text[name])})


def _read_decision(row: _Row, today: datetime.date) -> _Decision:
    """Stars, level, number and date; a recognition must be one its council's level can decide."""
    stars = _read_stars(row)
    level = _read_level(row, stars)
    number = _spaced(row.text.get("decision_no", ""))
    decision = _Decision(stars=stars, level=level, number=number, date=_read_date(row, today))
    if stars is not None and level is not None and not decision.is_proposal:
        problem = rules.recognition_level_problem(level=level, stars=stars, decision_date=decision.date)
        if problem:
            row.error("level", problem)
    return decision


def _read_stars(row: _Row) -> int | None:
    if not row.text.get("stars"):
        return None
    stars = parse_stars(row.record["stars"])
    if stars is None:
        row.error("stars", gettext("Hạng sao phải là một trong %(stars)s (đang ghi “%(value)s”).")
                  % {"stars": ", ".join(map(str, rules.CERTIFIED_STARS)), "value": row.text["stars"]})
    return stars


def _read_level(row: _Row, stars: int | None) -> str | None:
    """The level as written; when the cell is empty, 5 stars is a central recognition, else a provincial one."""
    if row.text.get("level"):
        level = parse_level(row.text["level"])
        if level is None:
            row.error("level", gettext("Cấp công nhận phải là Huyện, Tỉnh hoặc Trung ương (đang ghi “%(value)s”).")
                      % {"value": row.text["level"]})
        return level
    if stars is None:
        return None
    return CouncilLevel.CENTRAL if stars == rules.NATIONAL_STARS else CouncilLevel.PROVINCE


def _read_date(row: _Row, today: datetime.date) -> datetime.date | None:
    if not row.text.get("decision_date"):
        return None
    decision_date = parse_date(row.record["decision_date"])
    if decision_date is None:
        row.error("decision_date", gettext("Ngày không hợp lệ “%(value)s”: ghi dd/mm/yyyy hoặc yyyy-mm-dd.")
                  % {"value": row.text["decision_date"]})
    elif problem := rules.decision_date_problem(
        decision_date=decision_date, today=today, rule_set=rules.rule_set_for(decision_date)
    ):
        row.error("decision_date", problem)
        return None
    return decision_date


def _check_score(row: _Row, decision: _Decision):
    """The total, when given, must give the row's stars (or, for a proposal, 5 stars by points)."""
    if not row.text.get("score"):
        return
    score = parse_score(row.record["score"])
    if score is None:
        row.error("score", gettext("Điểm phải là số nguyên từ 0 đến %(max)s (đang ghi “%(value)s”).")
                  % {"max": rules.MAX_TOTAL, "value": row.text["score"]})
        return
    decision.score = score
    if decision.stars is None or decision.level is None:
        return
    stars_at_level, qualifies_for_proposal = _stars_by_points(score, decision.level)
    if decision.is_proposal:
        if not qualifies_for_proposal:
            message = gettext("Đề xuất 5 sao cần từ %(points)s điểm; %(score)s điểm ứng với %(by_points)s sao.")
            by_points = rules.stars_for(score)
            row.error("score", message % {"points": rules.NATIONAL_MIN_POINTS, "score": score, "by_points": by_points})
    elif stars_at_level != decision.stars:
        row.error("score", gettext("%(score)s điểm ứng với %(by_points)s sao, không khớp hạng sao %(stars)s sao.")
                  % {"score": score, "by_points": stars_at_level, "stars": decision.stars})


@functools.cache
def _stars_by_points(total: int, level: str) -> tuple[int, bool]:
    """What the model says of a total at a level: the stars it gives there (a council below the central
    level recognises at most 4★), and whether it qualifies for a 5★ proposal. A list gives only the total,
    so it is asked of an unsaved evaluation scored in one part; memoised, as there are few (total, level)."""
    evaluation = Evaluation(level=level, score_a=total, score_b=0, score_c=0)
    return evaluation.computed_stars, evaluation.qualifies_for_national_proposal


def _read_kind(row: _Row) -> str | None:
    if not row.text.get("producer_kind"):
        return None
    kind = parse_producer_kind(row.text["producer_kind"])
    if kind is None:
        row.error("producer_kind", gettext(
            "Không nhận ra loại hình “%(value)s”: ghi Doanh nghiệp, Hợp tác xã, "
            "Tổ hợp tác hoặc Hộ sản xuất kinh doanh."
        ) % {"value": row.text["producer_kind"]})
    return kind


def _evaluation_values(row: _Row, decision: _Decision, filename: str) -> dict:
    """The fields of the evaluation a row records: a recognition, or the province's 5★ proposal."""
    notes = [f"Nhập từ danh sách {filename or 'tệp'}, dòng {row.number}."]
    if decision.score is not None:
        notes.append(f"Tổng điểm theo danh sách: {decision.score}.")
    values = {"level": decision.level, "rule_set": rules.rule_set_for(decision.date), "notes": " ".join(notes)}
    if decision.is_proposal:
        values.update(
            status=Evaluation.Status.SCORED, declared_stars=decision.recorded_stars,
            proposed_national=True, proposal_no=decision.number, proposal_date=decision.date,
        )
    else:
        values.update(
            status=Evaluation.Status.RECOGNISED, declared_stars=decision.recorded_stars,
            decision_no=decision.number, decision_date=decision.date,
        )
    return values


def register_plan(data: bytes, filename: str = "") -> ImportPlan:
    """Read and check the file; return what the import would write, and every error. Writes nothing."""
    plan = ImportPlan(report=ImportReport(filename=filename))
    try:
        records, headers = read_rows(data, filename)
    except ImportFileError as exc:
        plan.report.error(0, "", str(exc))
        return plan
    _Planner(plan, headers).plan_rows(records)
    return plan
