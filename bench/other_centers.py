"""Fill a database with other centers beside the demo one, as a province server holds them:
each with the demo's categories, six counters, `waiting` tickets waiting today and `days` past
days of `per_day` tickets served. Written straight into the tables (a province's year through
the API would take hours); used by the benches that compare 1 and 150 centers (issue 20).
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from server import auth, directory, queue
from server.models import Category, Center, Counter, DeviceKind, Role, Ticket, User, WebSession

COUNTERS = 6


def add_centers(engine: Engine, count: int, *, waiting: int = 60, days: int = 10, per_day: int = 400, seed: int = 11) -> None:
    """`count` more centers, filled."""
    rng = random.Random(seed)
    with Session(engine) as session:
        model = list(session.execute(select(Category).where(Category.center_id == 1).order_by(Category.position)).scalars())
        today = queue.service_day(session.get_one(Center, 1), queue.system_clock())
        made = []
        for n in range(count):
            center = directory.create_center(session, f"B{n:03d}", f"Phường thử {n}", f"Bench ward {n}")
            categories = [
                directory.add_category(session, center, c.prefix, c.name_vi, c.name_en, sessions=c.sessions, position=c.position)
                for c in model
            ]
            counters = [directory.add_counter(session, center, k, categories[k::COUNTERS] or categories[:1]) for k in range(1, COUNTERS + 1)]
            made.append((center.id, [c.id for c in categories], [c.id for c in counters]))
        session.commit()
    with engine.begin() as connection:
        for center_id, categories, counters in made:
            rows = []
            for offset in range(days, -1, -1):  # the past days, then today's waiting
                day = today - timedelta(days=offset)
                numbers = dict.fromkeys(categories, 0)
                for _ in range(per_day if offset else waiting):
                    category = rng.choice(categories)
                    numbers[category] += 1
                    rows.append(_ticket(rng, center_id, category, numbers[category], day, rng.choice(counters), served=offset > 0))
            connection.execute(insert(Ticket.__table__), rows)  # type: ignore[attr-defined]


def _ticket(rng: random.Random, center_id: int, category: int, number: int, day: date, counter: int, served: bool) -> dict:
    issued = datetime.combine(day, time(1, 0), UTC) + timedelta(minutes=rng.uniform(0, 540))
    called = issued + timedelta(minutes=rng.expovariate(1 / 15))
    done = called + timedelta(minutes=rng.lognormvariate(2.2, 0.5))
    return {
        "center_id": center_id, "service_day": day, "category_id": category, "number_category_id": category,
        "number": number, "label": f"X{number:03d}", "hop": 0, "state": "done" if served else "waiting",
        "token": f"o{center_id}-{day}-{category}-{number}", "note": "", "recalls": 0, "source": "kiosk",
        "queued_at": issued, "issued_at": issued, "called_at": called if served else None,
        "serving_at": called if served else None, "done_at": done if served else None,
        "counter_id": counter if served else None,
    }  # fmt: skip


def seat_officer(session: Session, now: datetime, counter: Counter, username: str, password_hash: str) -> tuple[str, WebSession]:
    """A staff account signed in and working `counter` (as the console's claim leaves it):
    its session (the token, the row with its CSRF token)."""
    officer = _staff(session, now, username, counter.center_id, password_hash)
    counter.officer_id, counter.officer_name, counter.officer_since = officer.id, officer.username, now
    return auth.start_session(session, now, officer)


def _staff(session: Session, now: datetime, username: str, center_id: int, password_hash: str) -> User:
    """A staff account of a center. The password hash is given: argon2 for each of hundreds
    of accounts would take a while."""
    user = User(username=username, password_hash=password_hash, role=Role.staff, center_id=center_id, created_at=now)
    session.add(user)
    session.flush()
    return user


@dataclass
class Staffed:
    """A center's people as a bench plays them, by their bearer tokens."""

    center_id: int
    categories: list[int]
    desk: str  # a clerk issuing tickets at the desk
    display: str  # a wall display's device token (several clients may share it)
    officers: dict[int, str]  # counter id -> the officer working it


def staff_centers(engine: Engine, now: datetime) -> list[Staffed]:
    """Every center with a desk clerk, a wall display and an officer at each counter."""
    password_hash = PasswordHasher().hash("correct horse battery")
    staffed = []
    with Session(engine) as session:
        for center in session.execute(select(Center).order_by(Center.id)).scalars().all():
            assert center.id is not None
            categories = session.execute(select(Category.id).where(Category.center_id == center.id).order_by(Category.position))
            counters = session.execute(select(Counter).where(Counter.center_id == center.id).order_by(Counter.number)).scalars()
            desk = _staff(session, now, f"bench-desk-{center.id}", center.id, password_hash)
            staffed.append(Staffed(
                center.id,
                list(categories.scalars()),
                auth.start_session(session, now, desk)[0],
                auth.create_device(session, now, center.id, DeviceKind.display, f"bench-display-{center.id}")[1],
                {c.id: seat_officer(session, now, c, f"bench-officer-{c.id}", password_hash)[0] for c in counters},  # type: ignore[misc]
            ))  # fmt: skip
        session.commit()
    return staffed
