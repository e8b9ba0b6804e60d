"""A report as CSV or XLSX, with Vietnamese headers (English with `language="en"`)."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from server.messages import render
from server.reports import Figures, Report

LEVELS = ("very_satisfied", "satisfied", "neutral", "dissatisfied")
_COUNTS = ("issued", "called", "served", "no_show", "cancelled", "transferred")
_MINUTES = ("wait_mean", "wait_median", "wait_p90", "service_mean", "service_p90")
_DOSSIERS = ("dossiers_received", "dossiers_on_time", "dossiers_late", "dossiers_overdue")
COLUMNS = ("name", *_COUNTS, *_MINUTES, *LEVELS, "satisfaction_rate", *_DOSSIERS, "on_time_rate")


def headers(language: str = "vi") -> list[str]:
    return [render(f"report_col_{column}")[language] for column in COLUMNS]  # type: ignore[literal-required]


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def cells(row: Figures, name: str | None = None) -> list[object]:
    """A row's values in COLUMNS order; blanks as None."""
    return [
        name or row.name,
        *(getattr(row, c) for c in _COUNTS),
        *(getattr(row, c) for c in _MINUTES),
        *(row.ratings.get(level, 0) for level in LEVELS),
        _percent(row.satisfaction_rate),
        *(getattr(row, c) for c in _DOSSIERS),
        _percent(row.on_time_rate),
    ]


def _table(report: Report, language: str) -> list[list[object]]:
    total = render("report_total")[language]  # type: ignore[literal-required]
    return [headers(language), *(cells(r) for r in report.rows), cells(report.total, total)]


def _title(report: Report, language: str) -> str:
    return render("report_title", center=report.center_name, first=report.first.strftime("%d/%m/%Y"), last=report.last.strftime("%d/%m/%Y"))[language]  # type: ignore[literal-required]


def as_csv(report: Report, language: str = "vi") -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Vietnamese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in _table(report, language):
        writer.writerow(["" if value is None else value for value in line])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(report: Report, language: str = "vi") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo" if language == "vi" else "Report"
    sheet.append([_title(report, language)])
    sheet["A1"].font = Font(bold=True, size=13)
    table = _table(report, language)
    sheet.append(table[0])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for line in table[1:]:
        sheet.append(line)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 32
    sheet.freeze_panes = "B3"
    hours = book.create_sheet(render("report_arrivals")[language])  # type: ignore[literal-required]
    hours.append([render("report_hour")[language], render("report_col_issued")[language]])  # type: ignore[literal-required]
    for hour, count in enumerate(report.arrivals_by_hour):
        hours.append([hour, count])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
