"""A demo commune center: the categories, counters and common procedures of a real one-stop shop.

The demo center is open around the clock so that it can be tried at any hour; a real center
keeps office hours (07:30-11:30, 13:30-17:00), set per category.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from server import auth, directory, dossiers, queue, ratings
from server.models import (
    Center, Device, DeviceKind, Dossier, DossierState, Procedure, Rating, RatingLevel, RatingReason, RatingSource, Ticket,
    TicketState, User,
)

CENTER_CODE = "DEMO"
ALL_DAY = [["00:00", "24:00"]]

# prefix, Vietnamese name, English name, pictogram, colour, typical service minutes
CATEGORIES = [
    ("A", "Hộ tịch", "Civil registration", "family", "#1565c0", 10),
    ("B", "Chứng thực", "Certification", "stamp", "#6a1b9a", 5),
    ("C", "Đất đai", "Land", "land", "#2e7d32", 20),
    ("D", "Xây dựng", "Construction", "house", "#ef6c00", 15),
    ("E", "Đăng ký kinh doanh", "Business registration", "shop", "#00838f", 15),
    ("G", "Chính sách xã hội và lao động", "Social protection and labour", "hands", "#ad1457", 15),
    ("H", "Bảo hiểm y tế", "Health insurance", "health", "#c62828", 10),
    ("K", "Tư pháp", "Justice", "scales", "#4e342e", 10),
    ("L", "Giáo dục", "Education", "school", "#283593", 10),
    ("M", "Thủ tục khác", "Other procedures", "info", "#455a64", 10),
]

# counter number -> the prefixes it serves, in its order of preference
COUNTERS = {
    1: ["A", "K"],
    2: ["A", "B"],
    3: ["B", "L", "M"],
    4: ["C", "D"],
    5: ["E", "C"],
    6: ["G", "H", "M"],
}

# prefix, Vietnamese name, English name, legal processing time in working days (0: same day)
PROCEDURES = [
    ("A", "Đăng ký khai sinh", "Birth registration", 0),
    ("A", "Đăng ký kết hôn", "Marriage registration", 0),
    ("A", "Đăng ký khai tử", "Death registration", 0),
    ("A", "Cấp giấy xác nhận tình trạng hôn nhân", "Certificate of marital status", 3),
    ("B", "Chứng thực bản sao từ bản chính", "Certified copy from the original", 0),
    ("B", "Chứng thực chữ ký", "Signature certification", 0),
    ("C", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "First land use right certificate", 20),
    ("D", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a private house", 15),
    ("E", "Đăng ký thành lập hộ kinh doanh", "Household business registration", 3),
    ("G", "Trợ cấp xã hội hằng tháng", "Monthly social allowance", 7),
    ("H", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "Health insurance card for a child under 6", 5),
    ("A", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Change or correction of civil status details", 3),
    ("C", "Đăng ký biến động quyền sử dụng đất, tài sản gắn liền với đất", "Registration of changes to land use rights", 10),
    ("E", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Change of a household business's registration", 3),
    ("G", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Funeral costs of a social protection beneficiary", 5),
]


def seed(session: Session) -> Center:
    """Create the demo center once; a second call finds it and changes nothing."""
    center = session.execute(select(Center).where(Center.code == CENTER_CODE)).scalar_one_or_none()
    if center is not None:
        return center
    center = directory.create_center(
        session,
        CENTER_CODE,
        "Trung tâm Phục vụ hành chính công phường Hòa Bình",
        "Hoa Binh Ward Public Administrative Service Center",
        address="Số 1 đường Trung tâm, phường Hòa Bình",
        hotline="1900 0000",
        observe_public_holidays=False,  # open around the clock, for trying it out
    )
    categories = {
        prefix: directory.add_category(
            session,
            center,
            prefix,
            vi,
            en,
            pictogram=pictogram,
            color=color,
            sessions=ALL_DAY,
            service_minutes=minutes,
            position=position,
        )
        for position, (prefix, vi, en, pictogram, color, minutes) in enumerate(CATEGORIES)
    }
    for number, prefixes in COUNTERS.items():
        directory.add_counter(session, center, number, [categories[p] for p in prefixes])
    for prefix, vi, en, days in PROCEDURES:
        directory.add_procedure(session, categories[prefix], vi, en, days)
    return center


def ensure_devices(session: Session, now: datetime, center: Center) -> dict[str, str]:
    """A kiosk, a display and counter 1's rating screen for the demo center, made once; their
    tokens (shown once)."""
    if session.execute(select(Device.id).where(Device.center_id == center.id).limit(1)).first() is not None:
        return {}
    tokens = {}
    for kind, name in [
        (DeviceKind.kiosk, "Kiosk sảnh chính"),
        (DeviceKind.display, "Màn hình phòng chờ"),
        (DeviceKind.rating, "Màn hình đánh giá quầy 1"),
    ]:
        _, tokens[kind.value] = auth.create_device(session, now, center.id, kind, name)  # type: ignore[arg-type]
    return tokens


# Dossiers a newcomer sees in the console: (days ago received, procedure, the states it went
# through, what needs_more asked for or why it was rejected, citizen's name, phone); three in
# each state. Open ones are received no more days ago than their processing days, so they are
# on time, except the marital-status certificate received 20 days ago and still processing:
# the one late dossier (its apology letter). The first tickets get the demo's ratings
# (seed_ratings); the returned ones come last, so their status pages still ask for one.
S = DossierState
_MARITAL = "Cấp giấy xác nhận tình trạng hôn nhân"
_CORRECTION = "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch"
_LAND_CHANGE = "Đăng ký biến động quyền sử dụng đất, tài sản gắn liền với đất"
_BUSINESS = "Đăng ký thành lập hộ kinh doanh"
_BUSINESS_CHANGE = "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh"
_ALLOWANCE = "Trợ cấp xã hội hằng tháng"
_CHILD_CARD = "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"
_BUILDING = "Cấp giấy phép xây dựng nhà ở riêng lẻ"
_FUNERAL = "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội"
DOSSIERS = [
    (1, _MARITAL, [], "", "Nguyễn Văn An", "0912345678"),
    (2, _CORRECTION, [], "", "Đinh Thị Hoa", None),
    (3, "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu", [], "", None, None),
    (2, _BUSINESS, [S.processing], "", "Trần Thị Bình", None),
    (6, _LAND_CHANGE, [S.processing], "", "Vũ Đức Khải", "0934567890"),
    (20, _MARITAL, [S.processing], "", "Hoàng Văn Em", "0901234567"),
    (8, _BUILDING, [S.needs_more], "Bản vẽ thiết kế có chữ ký của đơn vị tư vấn", "Bùi Thị Lan", None),
    (3, _BUSINESS_CHANGE, [S.needs_more], "Hợp đồng thuê địa điểm kinh doanh", None, None),
    (4, _ALLOWANCE, [S.processing, S.needs_more], "Bản sao giấy xác nhận khuyết tật", "Lê Văn Cường", "0987654321"),
    (4, _ALLOWANCE, [S.processing, S.ready], "", "Ngô Thị Mai", "0978123456"),
    (2, _MARITAL, [S.ready], "", "Đặng Văn Phúc", None),
    (2, _CHILD_CARD, [S.processing, S.ready], "", None, None),
    (5, _BUILDING, [S.rejected], "Thửa đất nằm trong quy hoạch giao thông", None, None),
    (7, _CHILD_CARD, [S.processing, S.rejected], "Trẻ đã được cấp thẻ bảo hiểm y tế tại nơi thường trú", None, None),
    (10, _FUNERAL, [S.rejected], "Người mất không thuộc đối tượng bảo trợ xã hội hằng tháng", "Lý Văn Sơn", None),
    (9, _BUSINESS, [S.processing, S.ready, S.returned], "", "Phạm Thị Dung", None),
    (12, _CORRECTION, [S.processing, S.ready, S.returned], "", "Trịnh Văn Quang", None),
    (3, _MARITAL, [S.processing, S.ready, S.returned], "", None, None),
]


def seed_dossiers(session: Session, now: datetime, center: Center) -> None:
    """A few dossiers in each state (one late), received from tickets of past days at counters
    serving their procedures, by the first admin, the first time the demo starts; later
    starts change nothing."""
    if session.execute(select(Dossier.id).where(Dossier.center_id == center.id).limit(1)).first() is not None:
        return
    admin = session.execute(select(User).where(User.username == "admin")).scalar_one_or_none()
    if admin is None:
        return
    officer = queue.Officer(admin.id, admin.username)  # type: ignore[arg-type]
    procedures = {p.name_vi: p for p in session.execute(select(Procedure).where(Procedure.center_id == center.id)).scalars()}
    counters = {c.number: c for c in queue.counters_of(session, center.id)}  # type: ignore[arg-type]
    for number, (days_ago, name, states, words, citizen, phone) in enumerate(DOSSIERS, start=1):
        procedure = procedures[name]
        counter = next(c for c in counters.values() if any(l.category_id == procedure.category_id for l in c.categories))
        # 09:00 on a past day: today's numbers are left to today's citizens.
        day = queue.service_day(center, now) - timedelta(days=days_ago)
        at = datetime.combine(day, time(9), ZoneInfo(center.timezone)).astimezone(UTC)
        ticket, _ = queue.issue_ticket(session, at, category_id=procedure.category_id)
        queue.call_ticket(session, at, ticket.id, counter_id=counter.id)
        queue.complete(session, at, ticket.id)
        code = f"DEMO-{queue.service_day(center, at):%y%m%d}-{number:04d}"
        dossier = dossiers.receive(
            session, at, ticket_id=ticket.id, procedure_id=procedure.id, code=code,  # type: ignore[arg-type]
            officer=officer, citizen_name=citizen, citizen_phone=phone,
        )  # fmt: skip
        for step, state in enumerate(states, start=1):
            words_for = {"missing_documents": words} if state == S.needs_more else {"reason": words} if state == S.rejected else {}
            dossiers.change_state(session, at + timedelta(hours=step), dossier.id, state, **words_for)  # type: ignore[arg-type]


# What the demo's citizens said, in turn: mostly pleased, some not, with their reasons.
DEMO_RATINGS = [
    (RatingLevel.very_satisfied, []),
    (RatingLevel.satisfied, []),
    (RatingLevel.neutral, [RatingReason.waited_too_long]),
    (RatingLevel.very_satisfied, []),
    (RatingLevel.dissatisfied, [RatingReason.unclear_guidance, RatingReason.extra_papers]),
    (RatingLevel.satisfied, []),
]


def seed_ratings(session: Session, now: datetime, center: Center) -> int:
    """A few ratings on the demo's done tickets, if it has any, once: a center that has any
    rating already is left alone (its citizens rate real tickets). How many were added."""
    if session.execute(select(Rating.id).where(Rating.center_id == center.id).limit(1)).first() is not None:
        return 0
    done = session.execute(
        select(Ticket)
        .where(Ticket.center_id == center.id, Ticket.state == TicketState.done)
        .order_by(Ticket.id)
        .limit(len(DEMO_RATINGS))
    ).scalars()
    added = 0
    for ticket, (level, reasons) in zip(done, DEMO_RATINGS):
        ratings.record(session, now, ticket, level=level, reasons=reasons, comment="", source=RatingSource.counter)
        added += 1
    return added
