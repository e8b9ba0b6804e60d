"""The leader's report on a small day written by hand: every figure below is worked out in the
comments from the rows, not by the code under test. Times are the center's (UTC+7)."""

from array import array
from datetime import UTC, date, datetime, timedelta

import pytest

from database_urls import database_url
from queue_world import build_world
from server import directory, queue, report_days, reports
from server.db import Database, make_engine, migrate
from server.models import Dossier, DossierState, Rating, RatingLevel, RatingSource, Ticket, TicketState, User
from server.reports import Grouping, Period, PeriodKind

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # Friday 27 November, 10:00 in Hà Nội


def at(day: date, hhmm: str) -> datetime:
    """A local (UTC+7) wall-clock time, in UTC."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=UTC) - timedelta(hours=7)


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url(tmp_path / "r.db"))
    migrate(engine)
    db = Database(engine)
    with db.write() as session:
        w = build_world(session)
        officers = {}
        for name, full in (("x", "Trần Văn Xuân"), ("y", "Lê Thị Yến"), ("z", "Đỗ Văn Zũng")):
            user = User(center_id=w.center.id, username=name, full_name=full, password_hash="-", created_at=NOW)
            session.add(user)
            session.flush()
            officers[name] = user.id
        counters = {n: w.counters[n].id for n in (1, 2, 3)}
        cat = {p: w.categories[p].id for p in "ABC"}
        number = iter(range(1, 100))

        def leg(day, prefix, state, issued, called=None, serving=None, ended=None, counter=None, by=None, ended_by=None, hop=0, category=None, queued=None):  # type: ignore[no-untyped-def]
            n = next(number)
            ticket = Ticket(
                center_id=w.center.id, service_day=day, category_id=cat[category or prefix], number_category_id=cat[prefix],
                number=n, label=f"{prefix}{n:03d}", hop=hop, state=state, token=f"t{n}",
                queued_at=at(day, queued or issued), issued_at=at(day, issued),
                called_at=at(day, called) if called else None, serving_at=at(day, serving) if serving else None,
                counter_id=counters[counter] if counter else None,
                called_by=officers[by] if by else None, ended_by=officers[ended_by or by] if (ended_by or by) and ended else None,
            )  # fmt: skip
            if ended:
                setattr(ticket, {"done": "done_at", "no_show": "no_show_at", "cancelled": "cancelled_at", "transferred": "transferred_at"}[state], at(day, ended))
            session.add(ticket)
            session.flush()
            return ticket

        first = leg(MONDAY, "A", TicketState.done, "08:00", "08:10", "08:11", "08:21", 1, "x")  # wait 10, service 10
        second = leg(MONDAY, "A", TicketState.done, "08:05", "08:25", "08:25", "08:45", 1, "x")  # wait 20, service 20
        leg(MONDAY, "A", TicketState.no_show, "09:00", "09:30", None, "09:35", 2, "y")  # wait 30
        leg(MONDAY, "A", TicketState.cancelled, "09:10", ended="11:00", ended_by="y")  # never called, no counter
        leg(MONDAY, "B", TicketState.transferred, "08:30", "08:34", "08:36", "08:40", 2, "y")  # wait 4
        leg(MONDAY, "B", TicketState.done, "08:40", "08:52", "08:52", "09:22", 3, "z", hop=1, category="C", queued="08:30")  # wait 12, service 30
        third = leg(MONDAY, "B", TicketState.done, "10:00", "10:06", "10:06", "10:12", 2, "y")  # wait 6, service 6
        # Ratings: A001 very satisfied, A002 dissatisfied (counter 1, x); B002 satisfied (counter 2, y).
        for ticket, level, officer in ((first, RatingLevel.very_satisfied, "x"), (second, RatingLevel.dissatisfied, "x"), (third, RatingLevel.satisfied, "y")):
            session.add(Rating(
                center_id=w.center.id, ticket_id=ticket.id, service_day=MONDAY, counter_id=ticket.counter_id,
                officer_id=officers[officer], level=level, source=RatingSource.counter, at=NOW,
            ))  # fmt: skip
        leg(MONDAY + timedelta(days=1), "A", TicketState.done, "14:00", "14:40", "14:40", "14:55", 1, "x")  # Tuesday: wait 40, service 15
        leg(MONDAY + timedelta(days=7), "A", TicketState.done, "08:00", "08:01", "08:01", "08:02", 1, "x")  # next week

        procedure = directory.add_procedure(session, w.categories["A"], "Đăng ký khai sinh", "Birth registration", 3, "1.001193")

        def dossier(code, state, received, due, returned=None):  # type: ignore[no-untyped-def]
            session.add(Dossier(
                center_id=w.center.id, ticket_id=first.id, counter_id=counters[1], officer_id=officers["x"], officer_name="x",
                procedure_id=procedure.id, code=code, token=code, state=state, received_at=received, counted_from=due,
                due_date=due, returned_at=returned, updated_at=NOW,
            ))  # fmt: skip

        dossier("D1", DossierState.returned, at(MONDAY, "09:00"), date(2026, 11, 26), at(date(2026, 11, 25), "15:00"))  # on time
        dossier("D2", DossierState.returned, at(MONDAY, "09:05"), date(2026, 11, 24), at(date(2026, 11, 27), "08:00"))  # late
        dossier("D3", DossierState.processing, at(date(2026, 11, 16), "09:00"), date(2026, 11, 25))  # open, past due
        dossier("D4", DossierState.needs_more, at(MONDAY, "10:00"), date(2026, 11, 24))  # clock stopped: not late
        # Returned on its due day, late in the evening: still on time (the day is the center's).
        dossier("D5", DossierState.returned, at(MONDAY, "10:30"), date(2026, 11, 26), at(date(2026, 11, 26), "23:30"))
    yield db, w
    engine.dispose()


def run(db, w, kind: PeriodKind, by: Grouping, day: date = MONDAY):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return reports.report(session, w.center.id, Period.of(kind, day), by, NOW)


def test_a_day_for_the_center(world):
    db, w = world
    r = run(db, w, PeriodKind.day, Grouping.center)
    (row,) = r.rows
    # Issued: the six first legs of Monday (the transfer's leg is no new number).
    assert (row.issued, row.called, row.served, row.no_show, row.cancelled, row.transferred) == (6, 6, 4, 1, 1, 1)
    # Waits 4, 6, 10, 12, 20, 30: mean 82/6 = 13.67; median (10 + 12) / 2 = 11; p90 rank ceil(5.4) = 6 -> 30.
    assert (row.wait_mean, row.wait_median, row.wait_p90) == (13.7, 11.0, 30.0)
    # Services 10, 20, 30, 6: mean 66/4 = 16.5; p90 rank ceil(3.6) = 4 -> 30.
    assert (row.service_mean, row.service_p90) == (16.5, 30.0)
    # Numbers by the hour they were issued: 08:00, 08:05, 08:30 | 09:00, 09:10 | 10:00.
    assert r.arrivals_by_hour == [0] * 8 + [3, 2, 1] + [0] * 13
    # Three ratings, two of them satisfied or very: 2/3.
    assert row.ratings == {"very_satisfied": 1, "dissatisfied": 1, "satisfied": 1}
    assert row.satisfaction_rate == 0.6667
    assert r.total == row


def test_a_day_by_category_counter_and_officer(world):
    db, w = world
    a, b, c = run(db, w, PeriodKind.day, Grouping.category).rows
    assert (a.name, a.issued, a.called, a.served, a.no_show, a.cancelled) == ("A · Hộ tịch", 4, 3, 2, 1, 1)
    assert (a.wait_mean, a.wait_median, a.wait_p90, a.service_mean, a.service_p90) == (20.0, 20.0, 30.0, 15.0, 20.0)
    assert (b.issued, b.called, b.served, b.transferred, b.wait_mean, b.wait_p90, b.service_mean) == (2, 2, 1, 1, 5.0, 6.0, 6.0)
    # C numbered nothing: it only served B001's transferred leg (wait 12, service 30).
    assert (c.issued, c.called, c.served, c.wait_mean, c.service_mean) == (0, 1, 1, 12.0, 30.0)
    assert (a.satisfaction_rate, b.satisfaction_rate, c.satisfaction_rate) == (0.5, 1.0, None)

    one, two, three, nowhere = run(db, w, PeriodKind.day, Grouping.counter).rows
    assert (one.name, one.issued, one.called, one.served) == ("Quầy 1", None, 2, 2)
    # Counter 2 called A003 (30), B001 (4), B002 (6): mean 40/3 = 13.3, median 6, p90 rank 3 -> 30.
    assert (two.called, two.served, two.no_show, two.transferred, two.wait_mean, two.wait_median, two.wait_p90) == (3, 1, 1, 1, 13.3, 6.0, 30.0)
    assert (three.called, three.served) == (1, 1)
    assert (nowhere.name, nowhere.cancelled, nowhere.called) == ("—", 1, 0)  # A004, cancelled while waiting

    # Officers in Vietnamese order of their names: Đỗ, Lê, Trần.
    z, y, x = run(db, w, PeriodKind.day, Grouping.officer).rows
    assert [o.name for o in (z, y, x)] == ["Đỗ Văn Zũng", "Lê Thị Yến", "Trần Văn Xuân"]
    assert (x.called, x.served) == (2, 2)
    assert (x.ratings, x.satisfaction_rate) == ({"very_satisfied": 1, "dissatisfied": 1}, 0.5)
    assert (y.ratings, y.satisfaction_rate, z.satisfaction_rate) == ({"satisfied": 1}, 1.0, None)
    assert (y.called, y.served, y.no_show, y.transferred, y.cancelled) == (3, 1, 1, 1, 1)
    assert (z.called, z.served) == (1, 1)


def test_a_week_and_its_dossiers(world):
    db, w = world
    r = run(db, w, PeriodKind.week, Grouping.center, day=date(2026, 11, 26))
    assert (r.first, r.last) == (date(2026, 11, 23), date(2026, 11, 29))
    row = r.total
    # Tuesday's A005 joins (wait 40); next Monday's does not. Waits 4 6 10 12 20 30 40:
    # mean 122/7 = 17.4, median 12, p90 rank ceil(6.3) = 7 -> 40.
    assert (row.issued, row.wait_mean, row.wait_median, row.wait_p90) == (7, 17.4, 12.0, 40.0)
    # Received in the week: D1, D2, D4, D5 (D3 came on the 16th). On time: D1, D5; late: D2;
    # open past due: D3 (D4 waits for documents). On-time rate 2 / (2 + 1 + 1) = 0.5.
    assert (row.dossiers_received, row.dossiers_on_time, row.dossiers_late, row.dossiers_overdue) == (4, 2, 1, 1)
    assert row.on_time_rate == 0.5
    month = run(db, w, PeriodKind.month, Grouping.center).total
    assert month.issued == 8  # the month has next Monday's ticket too


def test_a_closed_day_is_kept_and_gives_what_its_tickets_give(world):
    db, w = world
    week = Period.of(PeriodKind.week, MONDAY)
    with db.read() as session:
        store = report_days.store_of(session)
        for by in Grouping:
            counted = reports.report(session, w.center.id, week, by, NOW)
            # Monday and Tuesday are over, every leg ended: kept. Friday (today) and the days
            # to come are not.
            assert {day for day in (MONDAY + timedelta(days=n) for n in range(7)) if store.get((w.center.id, by, day))} == {
                MONDAY,
                MONDAY + timedelta(days=1),
                MONDAY + timedelta(days=2),
                MONDAY + timedelta(days=3),
            }
            assert reports.report(session, w.center.id, week, by, NOW) == counted  # now from the store


def test_a_day_with_a_leg_still_open_is_counted_again_until_it_ends(world):
    db, w = world
    tuesday = MONDAY + timedelta(days=1)
    with db.write() as session:
        late = Ticket(
            center_id=w.center.id, service_day=tuesday, category_id=w.categories["A"].id, number_category_id=w.categories["A"].id,
            number=90, label="A090", token="late", queued_at=at(tuesday, "16:00"), issued_at=at(tuesday, "16:00"),
        )  # fmt: skip
        session.add(late)
    before = run(db, w, PeriodKind.day, Grouping.center, day=tuesday).total
    assert (before.issued, before.cancelled) == (2, 0)
    with db.read() as session:
        assert report_days.store_of(session).get((w.center.id, Grouping.center, tuesday)) is None  # A090 still waits
    with db.write() as session:
        queue.cancel(session, NOW, late.id)  # the next morning, the desk clears what was left
    after = run(db, w, PeriodKind.day, Grouping.center, day=tuesday).total
    assert (after.issued, after.cancelled) == (2, 1)
    with db.read() as session:
        assert report_days.store_of(session).get((w.center.id, Grouping.center, tuesday)) is not None


def test_a_day_is_kept_only_an_hour_after_its_end(world):
    db, w = world
    tuesday = MONDAY + timedelta(days=1)
    with db.read() as session:
        store = report_days.store_of(session)
        reports.report(session, w.center.id, Period(tuesday, tuesday), Grouping.center, at(tuesday + timedelta(days=1), "00:30"))
        assert store.get((w.center.id, Grouping.center, tuesday)) is None
        reports.report(session, w.center.id, Period(tuesday, tuesday), Grouping.center, at(tuesday + timedelta(days=1), "01:30"))
        assert store.get((w.center.id, Grouping.center, tuesday)) is not None


def test_the_store_drops_the_least_recently_read_days_past_its_budget():
    def day(legs: int) -> report_days.Day:
        return report_days.Day((report_days.Row(1, legs, {}, array("d", [1.0] * legs), array("d")),), (0,) * 24)

    one = day(100).size
    store = report_days.DayStore(budget=3 * one)
    for n in range(3):
        store.put(n, day(100))
    assert store.get(0) is not None  # read: now the most recent
    store.put(3, day(100))
    assert (store.get(1), len(store), store.size) == (None, 3, 3 * one)
    assert all(store.get(n) is not None for n in (0, 2, 3))


def test_periods():
    assert Period.of(PeriodKind.week, date(2026, 11, 29)) == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert Period.of(PeriodKind.month, date(2026, 12, 31)) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert Period.of(PeriodKind.month, date(2028, 2, 10)) == Period(date(2028, 2, 1), date(2028, 2, 29))
    with pytest.raises(ValueError):
        Period.of(PeriodKind.range, date(2026, 1, 1), date(2027, 6, 1))
    assert reports.nearest_rank([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.0


@pytest.fixture
def api(world, tmp_path):  # type: ignore[no-untyped-def]
    """The app on the same database, a leader signed in, its clock at NOW."""
    from fastapi.testclient import TestClient

    from queue_world import sign_in
    from server.app import create_app
    from server.settings import Settings

    db, w = world
    app = create_app(Settings(database_url=database_url(tmp_path / "r.db")), clock=lambda: NOW)
    with TestClient(app) as client:
        with app.state.db.write() as session:
            client.headers["Authorization"] = f"Bearer {sign_in(session, NOW, w.center.id, 'leader', 'lanh-dao')}"
        yield client


def test_the_figures_as_json_csv_and_xlsx_agree(api):
    import csv
    import io

    from openpyxl import load_workbook

    query = "/api/v1/reports/figures?period=day&day=2026-11-23&by=category"
    data = api.get(query).json()
    assert [r["name"] for r in data["rows"]] == ["A · Hộ tịch", "B · Chứng thực", "C · Đất đai"]
    assert data["total"]["wait_median"] == 11.0
    answer = api.get(query + "&format=csv")
    assert answer.headers["content-type"].startswith("text/csv") and answer.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["Tên", "Số đã phát", "Số đã gọi", "Đã phục vụ"] and "Tỷ lệ đúng hạn (%)" in lines[0]
    assert lines[1][:4] == ["A · Hộ tịch", "4", "3", "2"]
    assert lines[-1][0] == "Tổng" and lines[-1][1] == "6"
    book = load_workbook(io.BytesIO(api.get(query + "&format=xlsx").content))
    sheet = book["Báo cáo"]
    assert sheet["A1"].value == "Báo cáo Phường Thử nghiệm, 23/11/2026 – 23/11/2026"
    assert [c.value for c in sheet[3]][:4] == ["A · Hộ tịch", 4, 3, 2]
    assert [c.value for c in sheet[sheet.max_row]][:2] == ["Tổng", 6]
    assert [row[1].value for row in book["Số người đến theo giờ"].iter_rows(min_row=2)][8:11] == [3, 2, 1]
    english = api.get(query + "&format=csv&language=en").content.decode("utf-8-sig").splitlines()[0]
    assert english.startswith("Name,Issued,Called,Served")


def test_arrivals_chart_is_svg_with_one_bar_per_hour(api):
    from xml.etree import ElementTree

    answer = api.get("/api/v1/reports/arrivals.svg?period=week&day=2026-11-23")
    assert answer.headers["content-type"] == "image/svg+xml"
    svg = ElementTree.fromstring(answer.content)
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars = svg.findall("s:rect[@class='bar']", ns)
    # The week: Monday's 08 (3), 09 (2), 10 (1) and Tuesday's 14:00 (1).
    assert [int(b.get("data-value")) for b in bars] == [0] * 8 + [3, 2, 1, 0, 0, 0, 1] + [0] * 9
    heights = [float(b.get("height")) for b in bars]
    assert heights[8] == max(heights) and heights[9] == pytest.approx(heights[8] * 2 / 3, abs=0.2)
    assert svg.find("s:title", ns).text == "Số người đến theo giờ"
    assert "nhiều nhất 3 lúc 8 giờ" in svg.find("s:desc", ns).text


def test_a_bad_range_is_refused_naming_the_field(api):
    answer = api.get("/api/v1/reports/figures?period=range&day=2026-01-01&last=2027-06-01")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["query", "last"]
    assert "không quá 400 ngày" in answer.json()["message"]["vi"]
