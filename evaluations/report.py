"""The office's annual OCOP report as an Excel workbook (``/bang-dieu-khien/bao-cao.xlsx``).

Every figure is the dashboard's for the same date (``selectors.dashboard_on``): the workbook is another view of
it, never a second computation. Each sheet is a table with a native Excel chart beside it (openpyxl's charts, so
the office can restyle or paste them into the province's report), Vietnamese headers, and print settings: A4
landscape, fitted to the page width, the title and header rows repeated on every printed page.
"""

import datetime
import io

from django.utils.translation import gettext

from . import rules, selectors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_ROW = 3  # row 1: the sheet's title; row 2: the as-of date; row 3: the table's header
CHART_ROWS_PER_ITEM = 0.8  # a bar chart's height grows with its categories (communes: up to 166)


def report_day(year: int, today: datetime.date) -> datetime.date:
    """The as-of date of the report for ``year``: its last day, or today while the year is not over."""
    return min(datetime.date(year, 12, 31), today)


def build_workbook(data: selectors.Dashboard, *, expired: list) -> bytes:
    """The report for ``data`` (``selectors.dashboard_on``), and the certificates lapsed by then (``expired``,
    ``selectors.expired_certificates``), as the bytes of an .xlsx file."""
    # Imported here on purpose: openpyxl takes ~0.2 s to import, and only this download needs it.
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    writer = _Writer(book, data.as_of)
    _summary(writer, data)
    _by_stars(writer, data)
    _breakdown(writer, gettext("Theo nhóm"), gettext("Theo nhóm sản phẩm"), gettext("Nhóm sản phẩm"), data.by_group)
    _breakdown(
        writer, gettext("Theo huyện cũ"), gettext("Theo huyện cũ (trước 7/2025)"), gettext("Huyện cũ"), data.by_district
    )
    _breakdown(
        writer, gettext("Theo xã hiện nay"), gettext("Theo xã/phường hiện nay"), gettext("Xã/phường"), data.by_commune
    )
    _by_year(writer, data)
    _certificates(
        writer, gettext("Sắp hết hạn"), gettext("Giấy chứng nhận sắp hết hiệu lực"), list(data.expiring), data.as_of
    )
    _certificates(
        writer,
        gettext("Đã hết hạn"),
        gettext("Giấy chứng nhận đã hết hiệu lực (chưa công nhận lại)"),
        expired,
        data.as_of,
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _Writer:
    """Sheets with a title, the as-of date, a bold header row and print settings."""

    def __init__(self, book, day):
        from openpyxl.styles import Font

        self.book, self.day = book, day
        self.bold, self.title_font = Font(bold=True), Font(bold=True, size=14)

    def sheet(self, name: str, title: str, header: list, rows: list, widths: list):
        ws = self.book.create_sheet(name[:31])
        ws["A1"] = title
        ws["A1"].font = self.title_font
        ws["A2"] = gettext("Số liệu đến ngày %(day)s") % {"day": self.day.strftime("%d/%m/%Y")}
        ws.append(header)
        for cell in ws[HEADER_ROW]:
            cell.font = self.bold
        for row in rows:
            ws.append(row)
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"1:{HEADER_ROW}"
        return ws

    def bar_chart(self, ws, title: str, *, columns: range, rows: int, anchor: str, horizontal=False, stacked=False):
        """A clustered (or stacked) bar chart of ``columns`` (1-based) over the ``rows`` data rows, the first
        column naming the categories."""
        from openpyxl.chart import BarChart, Reference

        chart = BarChart()
        chart.type = "bar" if horizontal else "col"
        chart.title = title
        if stacked:
            chart.grouping, chart.overlap = "stacked", 100
        last = HEADER_ROW + max(rows, 1)
        data = Reference(ws, min_col=columns.start, max_col=columns.stop - 1, min_row=HEADER_ROW, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last))
        chart.width = 18
        chart.height = max(7.5, rows * CHART_ROWS_PER_ITEM) if horizontal else 7.5
        if horizontal:
            chart.x_axis.scaling.orientation = "maxMin"  # the first row at the top, as in the table
        ws.add_chart(chart, anchor)
        return chart


def _summary(writer, data):
    standing = data.standing
    rows = [
        [gettext("Còn hiệu lực"), standing.valid],
        *[
            [gettext("  trong đó %(stars)s sao") % {"stars": s}, standing.valid_by_stars.get(s, 0)]
            for s in rules.CERTIFIED_STARS
        ],
        [gettext("Sắp hết hiệu lực (trong %(days)s ngày)") % {"days": rules.EXPIRING_SOON_DAYS}, standing.expiring],
        [gettext("Hết hiệu lực"), standing.expired],
        [gettext("Đã thu hồi"), standing.revoked],
        [gettext("Đã công nhận (lũy kế, trừ thu hồi)"), standing.recognised],
    ]
    ws = writer.sheet(
        gettext("Tổng hợp"),
        gettext("Báo cáo kết quả chương trình OCOP tỉnh Thanh Hóa"),
        [gettext("Chỉ số"), gettext("Số sản phẩm")],
        rows,
        [44, 14],
    )
    # The phases' targets under the standing, with a chart of achieved against target.
    start = ws.max_row + 2
    ws.cell(row=start, column=1, value=gettext("Chỉ tiêu theo giai đoạn")).font = writer.bold
    header = [
        gettext("Giai đoạn / chỉ tiêu"),
        gettext("Chỉ tiêu"),
        gettext("Đạt"),
        gettext("Tỷ lệ (%)"),
        gettext("Còn thiếu"),
        gettext("Thời gian đã qua (%)"),
        gettext("Tiến độ"),
    ]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = writer.bold
    first = ws.max_row + 1
    for phase in data.phases:
        for target in phase.targets:
            ws.append(
                [
                    f"{phase.name}: {target.display_label}",
                    target.target,
                    target.achieved,
                    target.percent,
                    target.remaining,
                    phase.elapsed_percent,
                    gettext("Đúng tiến độ") if target.on_track else gettext("Chậm"),
                ]
            )
    last = ws.max_row
    for column, width in zip("CDEFG", (10, 10, 10, 20, 14), strict=True):
        ws.column_dimensions[column].width = width
    if last >= first:
        from openpyxl.chart import BarChart, Reference

        chart = BarChart()
        chart.type, chart.title = "bar", gettext("Chỉ tiêu và kết quả đạt được")
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=first - 1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        chart.x_axis.scaling.orientation = "maxMin"
        chart.width, chart.height = 18, max(7.5, (last - first + 1) * 1.5)
        ws.add_chart(chart, "I3")


def _by_stars(writer, data):
    standing = data.standing
    rows = [
        [
            gettext("%(stars)s sao") % {"stars": s},
            standing.valid_by_stars.get(s, 0),
            standing.expired_by_stars.get(s, 0),
        ]
        for s in rules.CERTIFIED_STARS
    ]
    ws = writer.sheet(
        gettext("Theo hạng sao"),
        gettext("Sản phẩm theo hạng sao"),
        [gettext("Hạng sao"), gettext("Còn hiệu lực"), gettext("Hết hiệu lực")],
        rows,
        [16, 14, 14],
    )
    writer.bar_chart(
        ws, gettext("Sản phẩm theo hạng sao"), columns=range(2, 4), rows=len(rows), anchor="E3", stacked=True
    )


def _breakdown(writer, name, title, label, rows):
    table = [[row.label, row.valid, row.recognised] for row in rows]
    ws = writer.sheet(
        name,
        title,
        [label, gettext("Còn hiệu lực"), gettext("Đã công nhận (lũy kế, trừ thu hồi)")],
        table,
        [40, 14, 20],
    )
    writer.bar_chart(ws, title, columns=range(2, 4), rows=len(table), anchor="E3", horizontal=True)


def _by_year(writer, data):
    table = [
        [
            y.year,
            *[y.tally.by_stars.get(s, 0) for s in rules.CERTIFIED_STARS],
            y.tally.products,
            y.tally.new,
            y.tally.rerecognised,
        ]
        for y in data.years
    ]
    header = [
        gettext("Năm"),
        *[gettext("%(stars)s sao") % {"stars": s} for s in rules.CERTIFIED_STARS],
        gettext("Sản phẩm"),
        gettext("Mới"),
        gettext("Công nhận lại"),
    ]
    ws = writer.sheet(
        gettext("Theo năm"),
        gettext("Sản phẩm được công nhận theo năm: mới và công nhận lại"),
        header,
        table,
        [10, 10, 10, 10, 12, 10, 16],
    )
    new_column = len(rules.CERTIFIED_STARS) + 3
    chart = writer.bar_chart(
        ws,
        gettext("Sản phẩm mới và công nhận lại theo năm"),
        columns=range(new_column, new_column + 2),
        rows=len(table),
        anchor="J3",
        stacked=True,
    )
    chart.width = 22


def _certificates(writer, name, title, evaluations, day):
    header = [
        gettext("Mã sản phẩm"),
        gettext("Sản phẩm"),
        gettext("Hạng sao"),
        gettext("Số quyết định"),
        gettext("Ngày quyết định"),
        gettext("Hiệu lực đến"),
        gettext("Số ngày còn lại"),
        gettext("Chủ thể"),
        gettext("Điện thoại"),
        gettext("Email"),
        gettext("Xã/phường"),
    ]
    rows, by_month = [], {}
    for evaluation in evaluations:
        product, producer = evaluation.product, evaluation.product.producer
        valid_until = evaluation.valid_until
        rows.append(
            [
                product.code,
                product.name,
                evaluation.stars,
                evaluation.decision_no,
                evaluation.decision_date,
                valid_until,
                (valid_until - day).days,
                producer.name,
                producer.shown_phone,
                producer.email,
                product.commune.full_name,
            ]
        )
        month = valid_until.strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0) + 1
    ws = writer.sheet(name, title, header, rows, [17, 34, 9, 16, 14, 14, 14, 34, 16, 26, 24])
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "DD/MM/YYYY"
    # Beside the list: how many lapse (or lapsed) each month, and its chart.
    column = len(header) + 2
    ws.cell(row=HEADER_ROW, column=column, value=gettext("Tháng hết hiệu lực")).font = writer.bold
    ws.cell(row=HEADER_ROW, column=column + 1, value=gettext("Số giấy chứng nhận")).font = writer.bold
    for offset, (month, count) in enumerate(sorted(by_month.items()), start=1):
        ws.cell(row=HEADER_ROW + offset, column=column, value=month)
        ws.cell(row=HEADER_ROW + offset, column=column + 1, value=count)
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.title = gettext("Số giấy chứng nhận theo tháng hết hiệu lực")
    last = HEADER_ROW + max(len(by_month), 1)
    chart.add_data(Reference(ws, min_col=column + 1, min_row=HEADER_ROW, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=column, min_row=HEADER_ROW + 1, max_row=last))
    chart.width, chart.height = 18, 7.5
    ws.add_chart(chart, ws.cell(row=HEADER_ROW + len(by_month) + 3, column=column).coordinate)
