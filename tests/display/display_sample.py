"""A known center state for board tests: the demo center's categories and counters, built with
the wire models the server sends."""

from datetime import UTC, date, datetime, timedelta

from server.protocol import CategoryOut, CenterOut, CounterOut, EventOut, Snapshot, TicketOut

# 09:15 on Monday 23 November 2026 in Hà Nội (UTC+7).
NOW = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
DAY = date(2026, 11, 23)

CATEGORIES = [
    ("A", "Hộ tịch", "Civil registration", "#1565c0"),
    ("B", "Chứng thực", "Certification", "#6a1b9a"),
    ("C", "Đất đai", "Land", "#2e7d32"),
    ("D", "Xây dựng", "Construction", "#ef6c00"),
    ("E", "Đăng ký kinh doanh", "Business registration", "#00838f"),
    ("G", "Chính sách xã hội và lao động", "Social protection and labour", "#ad1457"),
]


def center(name_vi: str = "Trung tâm Phục vụ hành chính công phường Hòa Bình") -> CenterOut:
    return CenterOut(
        id=1, code="DEMO", name_vi=name_vi, name_en="Hoa Binh Ward", address="Số 1", hotline="1900 0000",
        timezone="Asia/Ho_Chi_Minh", priority_rule="strict", priority_ratio=3, ageing_minutes=30,
    )  # fmt: skip


def category(i: int, prefix: str, vi: str, en: str, color: str) -> CategoryOut:
    return CategoryOut(
        id=i, prefix=prefix, name_vi=vi, name_en=en, pictogram="info", color=color,
        sessions=[["00:00", "24:00"]], daily_cap=None, service_minutes=10, position=i,
    )  # fmt: skip


def counter(number: int, state: str = "open") -> CounterOut:
    return CounterOut(id=number, number=number, name_vi=f"Quầy {number}", name_en=f"Counter {number}", state=state)


def ticket(
    tid: int, prefix_index: int, number: int, state: str = "waiting", counter_id: int | None = None,
    called_at: datetime | None = None, recalls: int = 0,
) -> TicketOut:  # fmt: skip
    prefix = CATEGORIES[prefix_index - 1][0]
    issued = NOW - timedelta(minutes=30)
    return TicketOut(
        id=tid, center_id=1, service_day=DAY, label=f"{prefix}{number:03d}", number=number,
        category_id=prefix_index, number_category_id=prefix_index, hop=0, origin_id=None,
        target_counter_id=None, priority_group=None, source="kiosk", state=state,
        counter_id=counter_id, recalls=recalls, note="", queued_at=issued, issued_at=issued,
        called_at=called_at, serving_at=None, done_at=None, no_show_at=None, cancelled_at=None,
        transferred_at=None,
    )  # fmt: skip


def snapshot(seq: int = 40, center_name: str | None = None) -> Snapshot:
    """Counter 3 called A015 a minute ago; counter 1 serves A014; counter 6 is paused; people wait."""
    tickets = [
        ticket(14, 1, 14, "serving", counter_id=1, called_at=NOW - timedelta(minutes=5)),
        ticket(15, 1, 15, "called", counter_id=3, called_at=NOW - timedelta(minutes=1)),
        ticket(21, 2, 7, "called", counter_id=2, called_at=NOW - timedelta(minutes=3)),
    ]
    tid = 100
    for prefix_index, waiting in ((1, 4), (2, 2), (3, 7), (5, 1), (6, 12)):
        for n in range(waiting):
            tid += 1
            tickets.append(ticket(tid, prefix_index, 20 + n))
    return Snapshot(
        seq=seq,
        center=center(center_name) if center_name else center(),
        service_day=DAY,
        categories=[category(i, *c) for i, c in enumerate(CATEGORIES, start=1)],
        counters=[counter(n, "paused" if n == 6 else "open") for n in range(1, 7)],
        tickets=tickets,
    )


def called_event(seq: int, tid: int, prefix_index: int, number: int, counter_id: int, at: datetime, recalls: int = 0) -> EventOut:
    kind = "ticket.recalled" if recalls else "ticket.called"
    return EventOut(
        seq=seq, center_id=1, kind=kind, at=at,
        ticket=ticket(tid, prefix_index, number, "called", counter_id=counter_id, called_at=at, recalls=recalls),
    )  # fmt: skip
