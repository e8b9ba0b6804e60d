"""The apology letter (thư xin lỗi) for a late dossier: a printable page for staff.

    /dossiers/{dossier_id}/apology?new_date=YYYY-MM-DD&reason=...&lang=vi

The provinces require a written apology when a dossier is not returned by its due date. The
page is the letter in the administrative style of Nghị định 30/2020 (national motto at the top
right, the issuing center at the top left, "Kính gửi", recipients and the signer at the foot),
on A4 with the decree's margins when printed; on screen a small form above it sets the new
date and the reason before printing. Server-rendered: it needs no script to print right,
and the citizen's name (if still kept) never leaves the server except on this staff page.
Words come from the web catalog (server/web/static/messages.json, keys "apology.*").
"""

import json
from datetime import date
from functools import cache
from html import escape
from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from server import directory, dossiers, queue
from server.api.deps import ApiId, DbDep, NowDep
from server.api.security import OperateCounter, guard_center
from server.errors import Conflict
from server.models import Center, Dossier, DossierState
from server.web.pages import STATIC

router = APIRouter(include_in_schema=False)


@cache
def _catalog() -> dict[str, dict[str, str]]:
    return json.loads((STATIC / "messages.json").read_text("utf-8"))


def _words(language: str, key: str, **values: object) -> str:
    """A catalog entry with its {fields} filled in: plain text."""
    return _catalog()[f"apology.{key}"][language].format(**values)


def _t(language: str, key: str, **values: object) -> str:
    """A catalog entry with its {fields} filled in, escaped for HTML."""
    return escape(_words(language, key, **values))


def letter_date(day: date) -> tuple[str, str, str]:
    """(day, month, year) in the decree's form: a day below 10 and the months 1 and 2 with
    a leading zero ("ngày 05 tháng 02 năm 2027", "ngày 27 tháng 11 năm 2026")."""
    return f"{day.day:02d}", f"{day.month:02d}" if day.month < 3 else str(day.month), str(day.year)


def _with_weekday(language: str, day: date) -> str:
    weekday = _words(language, f"weekday_{day.weekday()}")
    return _words(language, "date_with_weekday", weekday=weekday, date=day.strftime("%d/%m/%Y"))


def was_late(center: Center, dossier: Dossier, today: date) -> bool:
    """Late now, or returned after its due date."""
    if dossier.state == DossierState.returned and dossier.returned_at is not None:
        return dossiers.local(center, dossier.returned_at).date() > dossier.due_date
    return dossiers.is_late(dossier, today)


@router.get("/dossiers/{dossier_id}/apology", response_class=HTMLResponse)
async def apology(
    dossier_id: ApiId,
    db: DbDep,
    now: NowDep,
    principal: OperateCounter,
    new_date: date | None = Query(None, description="the new return date; default: the next working day"),
    reason: str = Query("", max_length=300, description="why it is late, as the letter says it"),
    lang: Literal["vi", "en"] = "vi",
) -> HTMLResponse:
    def read(session: Session) -> str:
        dossier = dossiers.get_dossier(session, dossier_id)
        guard_center(principal, dossier.center_id)
        center = queue.get_center(session, dossier.center_id)
        today = dossiers.today(center, now)
        if not was_late(center, dossier, today):
            raise Conflict("dossier_not_late", dossier_code=dossier.code)
        procedure = directory.get_procedure(session, dossier.procedure_id)
        place = directory.ward(center.ward_code)[0] if center.ward_code else ""
        new = new_date or dossiers.calendar(center).next_working_day(today)
        return _render(lang, dossier, center.name_vi if lang == "vi" else center.name_en, procedure.name_vi if lang == "vi" else (procedure.name_en or procedure.name_vi), place, today, new, reason, dossiers.local(center, dossier.received_at).date())

    return HTMLResponse(await db.reading(read), headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def _render(language: str, dossier: Dossier, center: str, procedure: str, place: str, today: date, new: date, reason: str, received: date) -> str:
    t = lambda key, **values: _t(language, key, **values)  # noqa: E731
    day, month, year = letter_date(today)
    name = dossier.citizen_name or "……………………………………"
    why = reason or "……………………………………………………"
    return f"""<!doctype html>
<html lang="{language}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{t("title")} · {escape(dossier.code)}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/web/static/apology.css">
  <script type="module" src="/web/static/apology.js"></script>
</head>
<body>
  <form class="controls" method="get" aria-label="{t("form_label")}">
    <input type="hidden" name="lang" value="{language}">
    <label>{t("form_new_date")} <input type="date" name="new_date" id="new-date" value="{new.isoformat()}" required></label>
    <label>{t("form_reason")} <input type="text" name="reason" id="reason" maxlength="300" value="{escape(reason)}"></label>
    <button type="submit">{t("form_update")}</button>
    <button type="button" id="print">{t("print")}</button>
  </form>
  <main class="letter" id="letter">
    <div class="head">
      <div class="issuer">
        <p class="upper strong">{escape(center)}</p>
        <hr class="short">
        <p>{t("number", code=dossier.code)}</p>
      </div>
      <div class="nation">
        <p class="upper strong">{t("nation")}</p>
        <p class="strong">{t("motto")}</p>
        <hr class="motto-line">
        <p class="place-date"><em>{t("place_date", place=place or "……………", day=day, month=month, year=year)}</em></p>
      </div>
    </div>
    <h1>{t("heading")}</h1>
    <p class="subject strong">{t("subject")}</p>
    <p class="to">{t("to", name=name)}</p>
    <p>{t("intro", center=center)}</p>
    <ul class="facts">
      <li>{t("procedure")}: <strong>{escape(procedure)}</strong></li>
      <li>{t("code")}: <strong id="code">{escape(dossier.code)}</strong></li>
      <li>{t("received")}: {escape(_with_weekday(language, received))}</li>
      <li>{t("due")}: <strong id="due">{escape(_with_weekday(language, dossier.due_date))}</strong></li>
    </ul>
    <p>{t("body", reason=why, center=center, new_date=_with_weekday(language, new))}</p>
    <p>{t("closing")}</p>
    <div class="foot">
      <div class="recipients">
        <p class="strong"><em>{t("recipients")}</em></p>
        <p>{t("recipient_citizen")}</p>
        <p>{t("recipient_archive")}</p>
      </div>
      <div class="signer">
        <p class="upper strong">{t("signer")}</p>
        <p><em>{t("sign_hint")}</em></p>
      </div>
    </div>
  </main>
</body>
</html>
"""
