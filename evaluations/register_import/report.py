"""The report an import gives back: every row's plan, every error and warning, and the counts."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext

from ..rules import CouncilLevel


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        if self.row:
            return gettext("Dòng %(row)s, cột “%(column)s”: %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message,
            }
        return self.message


@dataclass
class RowPlan:
    """What one data row will do (or did)."""

    row: int
    product: str
    producer: str
    place: str
    stars: int
    level: str
    decision_no: str
    decision_date: datetime.date
    action: str  # "create" or "unchanged"
    is_proposal: bool = False
    new_producer: bool = False
    new_product: bool = False
    note: str = ""

    @property
    def level_label(self):
        return CouncilLevel(self.level).label

    @property
    def action_label(self):
        if self.action == "unchanged":
            return gettext("Không đổi (đã có trong sổ)")
        if self.is_proposal:
            return gettext("Ghi đề xuất 5 sao")
        return gettext("Ghi quyết định công nhận")


@dataclass
class ImportReport:
    filename: str = ""
    data_rows: int = 0
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    skipped_rows: list = field(default_factory=list)
    created_producers: int = 0
    created_products: int = 0
    created_evaluations: int = 0
    unchanged_rows: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def proposals(self) -> int:
        return sum(1 for row in self.rows if row.action == "create" and row.is_proposal)

    def error(self, row: int, column: str, message: str):
        self.errors.append(RowError(row, column, message))

    def summary(self) -> str:
        counts = {
            "producers": ngettext("%(count)s chủ thể", "%(count)s chủ thể", self.created_producers)
            % {"count": self.created_producers},
            "products": ngettext("%(count)s sản phẩm", "%(count)s sản phẩm", self.created_products)
            % {"count": self.created_products},
            "decisions": ngettext("%(count)s quyết định", "%(count)s quyết định", self.created_evaluations)
            % {"count": self.created_evaluations},
            "proposals": ngettext("%(count)s đề xuất 5 sao", "%(count)s đề xuất 5 sao", self.proposals)
            % {"count": self.proposals},
            "unchanged": ngettext("%(count)s dòng không đổi", "%(count)s dòng không đổi", self.unchanged_rows)
            % {"count": self.unchanged_rows},
        }
        if self.written:
            template = gettext(
                "Đã tạo %(producers)s, %(products)s, %(decisions)s (trong đó %(proposals)s); %(unchanged)s."
            )
        else:
            template = gettext(
                "Sẽ tạo %(producers)s, %(products)s, %(decisions)s (trong đó %(proposals)s); %(unchanged)s."
            )
        return template % counts
