"""A clock the test moves and a small center built with the domain's own functions.
(Not in conftest.py: pytest keeps one module named conftest, and tests import these.)"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from server import directory
from server.models import Category, Center, Counter

# 09:00 on Monday 23 November 2026 in Hà Nội.
MORNING = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ALL_DAY = [["00:00", "24:00"]]


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: datetime = MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class World:
    """A center with categories A (civil registration), B (certification), C (land) and
    counters 1 (A, B), 2 (B, A) and 3 (C)."""

    center: Center
    categories: dict[str, Category] = field(default_factory=dict)
    counters: dict[int, Counter] = field(default_factory=dict)


def build_world(
    session: Session, code: str = "TEST", name_vi: str = "Phường Thử nghiệm", name_en: str = "Test Ward", **center_fields: object
) -> World:
    # Open on public holidays too: some tests run on the real clock, whatever the date.
    center_fields.setdefault("observe_public_holidays", False)
    center = directory.create_center(session, code, name_vi, name_en, **center_fields)
    world = World(center)
    for position, (prefix, vi, en) in enumerate(
        [("A", "Hộ tịch", "Civil registration"), ("B", "Chứng thực", "Certification"), ("C", "Đất đai", "Land")]
    ):
        world.categories[prefix] = directory.add_category(
            session, center, prefix, vi, en, sessions=ALL_DAY, position=position
        )
    a, b, c = (world.categories[p] for p in "ABC")
    world.counters[1] = directory.add_counter(session, center, 1, [a, b])
    world.counters[2] = directory.add_counter(session, center, 2, [b, a])
    world.counters[3] = directory.add_counter(session, center, 3, [c])
    return world


def sign_in(
    session: Session, now: datetime, center_id: int | None, role: str = "staff", name: str | None = None, province_code: int | None = None
) -> str:
    """A user of `role` at a center (or of a province, or of the whole server), signed in; the
    session token (sent as a Bearer token)."""
    from server import auth
    from server.models import Role

    user = auth.create_user(
        session, now, name or f"{role}-{center_id}", "correct horse battery", Role(role), center_id, province_code=province_code
    )
    token, _ = auth.start_session(session, now, user)
    return token


def register_device(session: Session, now: datetime, center_id: int, kind: str = "kiosk", name: str | None = None) -> str:
    from server import auth
    from server.models import DeviceKind

    _, token = auth.create_device(session, now, center_id, DeviceKind(kind), name or f"{kind}-{center_id}")
    return token
