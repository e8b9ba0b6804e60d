"""The leader's reports (leaders and admins: Permission.audit_read).

    GET /api/v1/reports/figures?center_id=&period=day|week|month|range&day=&last=&by=center|category|counter|officer
        &format=json|csv|xlsx&language=vi|en
    GET /api/v1/reports/arrivals.svg?...   arrivals by hour of day, a chart drawn by the server
    GET /api/v1/reports/centers?period=&day=&last=&format=&language=
                                           every center the caller sees, a row each, and their total

What each figure counts is in server/reports.py.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError

from sqlalchemy import select
from sqlmodel import Session, col

from server import charts, directory, queue, report_export, reports
from server.api.answers import PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep
from server.api.security import ReadAudit, guard_center
from server.auth import Principal
from server.db import Database
from server.messages import render
from server.models import Center
from server.reports import Grouping, Period, PeriodKind, Report

router = APIRouter(prefix="/reports", tags=["reports"], responses=PERMITTED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Figures change with every ticket: a browser must not show an old chart or table again.
FRESH = {"Cache-Control": "no-store"}


class Format(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


CenterQuery = Query(None, description="default: the caller's center")
PeriodQuery = Query(PeriodKind.day, description="day, week (Monday-Sunday), month, or range (day..last)")
DayQuery = Query(None, description="the day, or a day of the week or month, or a range's first day; default today")
LastQuery = Query(None, description="a range's last day (at most 400 days after its first)")


async def _report(
    db: Database, principal: Principal, now: datetime, center_id: int | None, period: PeriodKind, day: date | None, last: date | None, by: Grouping
) -> Report:
    center = center_id or principal.center_id
    if center is None:  # a province account names the center
        raise RequestValidationError([{"type": "missing", "loc": ("query", "center_id"), "msg": "Field required", "input": None}])
    guard_center(principal, center)

    def read(session):  # type: ignore[no-untyped-def]
        span = _period(period, day or queue.service_day(queue.get_center(session, center), now), last)
        return reports.report(session, center, span, by, now)

    return await db.reading(read)


def _period(period: PeriodKind, first: date, last: date | None) -> Period:
    try:
        return Period.of(period, first, last)
    except ValueError:
        message = render("report_range_invalid", days=reports.MAX_DAYS)
        raise RequestValidationError([{"type": "value_error", "loc": ("query", "last"), "msg": f"{message['en']} / {message['vi']}", "input": str(last)}]) from None


def _file(report: Report, format: "Format", language: str, name: str) -> Response:
    if format is Format.csv:
        body = report_export.as_csv(report, language)
        return Response(body, media_type="text/csv; charset=utf-8", headers={**FRESH, "Content-Disposition": f'attachment; filename="{name}.csv"'})
    body = report_export.as_xlsx(report, language)
    return Response(body, media_type=XLSX, headers={**FRESH, "Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@router.get(
    "/figures",
    response_model=Report,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}, "description": "the report, or its file"}} | answers(404),
)
async def figures(
    db: DbDep,
    now: NowDep,
    principal: ReadAudit,
    center_id: ApiId | None = CenterQuery,
    period: PeriodKind = PeriodQuery,
    day: date | None = DayQuery,
    last: date | None = LastQuery,
    by: Grouping = Query(Grouping.center, description="one row per center, category, counter or officer"),
    format: Format = Query(Format.json, description="json, or a file: csv (UTF-8) or xlsx"),
    language: Literal["vi", "en"] = Query("vi", description="the files' headers"),
) -> Response:
    """Issued, served, no-show, cancelled, transferred; waits and service times (mean, median,
    90th percentile); ratings and the satisfaction rate; dossiers on time and late; arrivals by
    hour. Definitions: server/reports.py."""
    report = await _report(db, principal, now, center_id, period, day, last, by)
    name = f"bao-cao-{report.first.isoformat()}-{report.last.isoformat()}-{by.value}"
    if format is Format.json:
        return Response(report.model_dump_json(), media_type="application/json", headers=FRESH)
    return await run_in_threadpool(_file, report, format, language, name)


@router.get(
    "/centers",
    response_model=Report,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}, "description": "the report, or its file"}},
)
async def centers_figures(
    db: DbDep,
    now: NowDep,
    principal: ReadAudit,
    period: PeriodKind = PeriodQuery,
    day: date | None = DayQuery,
    last: date | None = LastQuery,
    format: Format = Query(Format.json, description="json, or a file: csv (UTF-8) or xlsx"),
    language: Literal["vi", "en"] = Query("vi", description="the files' headers"),
) -> Response:
    """Every center the caller sees side by side, a row each, and the total across them: a
    province account's centers, for the province's leaders (a center's own account gets its
    center alone). The figures are those of /reports/figures, by center."""

    def read(session: Session) -> Report:
        ids = _centers_of(session, principal)
        first = day
        if first is None:  # today, as the centers count it (one time zone in Vietnam)
            first = queue.service_day(queue.get_center(session, ids[0]), now) if ids else now.date()
        return reports.across(session, ids, _period(period, first, last), _covered(session, principal, language), now)

    report = await db.reading(read)
    if format is Format.json:
        return Response(report.model_dump_json(), media_type="application/json", headers=FRESH)
    name = f"bao-cao-cac-trung-tam-{report.first.isoformat()}-{report.last.isoformat()}"
    return await run_in_threadpool(_file, report, format, language, name)


def _centers_of(session: Session, principal: Principal) -> list[int]:
    """The ids of the centers the principal sees."""
    if principal.center_id is not None:
        return [principal.center_id]
    if principal.centers is not None:
        return sorted(principal.centers)
    return list(session.execute(select(Center.id).order_by(col(Center.id))).scalars())


def _covered(session: Session, principal: Principal, language: str) -> str:
    """What the report covers, for its title: the center, the province, or every center."""
    if principal.center_id is not None:
        return queue.get_center(session, principal.center_id).name_vi
    if principal.province_code is not None:
        return directory.province_name(principal.province_code)
    return render("report_all_centers")[language]  # type: ignore[literal-required]


@router.get("/arrivals.svg", response_class=Response, responses=answers(404))
async def arrivals_chart(
    db: DbDep,
    now: NowDep,
    principal: ReadAudit,
    center_id: ApiId | None = CenterQuery,
    period: PeriodKind = PeriodQuery,
    day: date | None = DayQuery,
    last: date | None = LastQuery,
    language: Literal["vi", "en"] = "vi",
) -> Response:
    """Tickets issued per hour of the center's day over the period, as an SVG bar chart."""
    report = await _report(db, principal, now, center_id, period, day, last, Grouping.center)
    counts = report.arrivals_by_hour
    busiest = max(range(24), key=lambda hour: counts[hour])
    when = {"first": report.first.strftime("%d/%m/%Y"), "last": report.last.strftime("%d/%m/%Y")}
    svg = charts.bar_chart(
        counts,
        [str(hour) for hour in range(24)],
        render("report_arrivals")[language],  # type: ignore[literal-required]
        render("report_arrivals_desc", **when, most=counts[busiest], hour=busiest)[language],  # type: ignore[literal-required]
    )
    return Response(svg, media_type="image/svg+xml", headers=FRESH)
