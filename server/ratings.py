"""Citizens' ratings of the service they got: one per ticket, four levels, reasons when not
satisfied. Plain functions over a session and a clock, like the queue domain; every rating
records its event (`rating.recorded`, without the comment: events reach kiosks and displays).

A rating is taken at the counter that served the ticket (its rating screen, or the officer's
second screen) while the citizen is still there, or later on the citizen's phone from the
ticket's status page, the same service day, or from a dossier's status page (the QR code of its
appointment slip) once the result is returned. A dossier's rating is its ticket's: one per
ticket however many dossiers it brought, so the reports by ticket, counter and officer count
each citizen's visit once.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from server import protocol, queue
from server.errors import Conflict
from server.messages import DOSSIER_STATE_WORDS, STATE_WORDS
from server.models import Counter, Dossier, DossierState, Rating, RatingLevel, RatingReason, RatingSource, Ticket, TicketState, User

# How long after "done" the counter's screen may still rate a ticket: the citizen is at the
# counter for a minute or two; after that it is the next citizen standing there.
COUNTER_WINDOW = timedelta(minutes=10)
# How long after its result is returned a dossier's page may still rate it: the citizen rates
# the whole service with the result in hand, that week; later ratings would rewrite the
# figures of periods the leaders have already read.
DOSSIER_WINDOW = timedelta(days=7)


def rating_of(session: Session, ticket_id: int) -> Rating | None:
    return session.execute(select(Rating).where(Rating.ticket_id == ticket_id)).scalar_one_or_none()


def _require_rateable(session: Session, ticket: Ticket) -> None:
    if ticket.state != TicketState.done:
        raise Conflict("rating_not_done", label=ticket.label, state=STATE_WORDS[ticket.state])
    if rating_of(session, ticket.id) is not None:  # type: ignore[arg-type]
        raise Conflict("rating_exists", label=ticket.label)


def last_done_at(session: Session, counter_id: int) -> Ticket | None:
    """The ticket the counter completed last: the one its rating screen asks about."""
    return session.execute(
        select(Ticket)
        .where(Ticket.counter_id == counter_id, Ticket.state == TicketState.done)
        .order_by(col(Ticket.done_at).desc(), col(Ticket.id).desc())
        .limit(1)
    ).scalar_one_or_none()


def check_at_counter(session: Session, now: datetime, ticket: Ticket, counter: Counter) -> None:
    """The counter's screen rates only the ticket that counter has just completed."""
    _require_rateable(session, ticket)
    latest = last_done_at(session, counter.id)  # type: ignore[arg-type]
    if (
        ticket.counter_id != counter.id
        or latest is None
        or latest.id != ticket.id
        or ticket.done_at is None
        or ticket.done_at.replace(tzinfo=ticket.done_at.tzinfo or UTC) < now - COUNTER_WINDOW  # SQLite: naive UTC
    ):
        raise Conflict("rating_not_at_counter", label=ticket.label, number=counter.number)


def check_on_phone(session: Session, now: datetime, ticket: Ticket) -> None:
    """The status page rates its ticket once it is done, the same service day."""
    _require_rateable(session, ticket)
    if ticket.service_day != queue.service_day(queue.get_center(session, ticket.center_id), now):
        raise Conflict("rating_closed", label=ticket.label)


def check_from_dossier(session: Session, now: datetime, dossier: Dossier) -> Ticket:
    """A dossier's page rates the ticket that brought the dossier, and no other: once the
    result is returned, within DOSSIER_WINDOW, if that ticket has no rating yet."""
    ticket = queue.get_ticket(session, dossier.ticket_id)
    if dossier.state != DossierState.returned or dossier.returned_at is None:
        raise Conflict("rating_dossier_not_returned", dossier_code=dossier.code, state=DOSSIER_STATE_WORDS[dossier.state])
    if rating_of(session, ticket.id) is not None:  # type: ignore[arg-type]
        raise Conflict("rating_dossier_exists", dossier_code=dossier.code, label=ticket.label)
    if queue._utc(dossier.returned_at) < now - DOSSIER_WINDOW:
        raise Conflict("rating_dossier_closed", dossier_code=dossier.code, days=DOSSIER_WINDOW.days)
    return ticket


def record(
    session: Session,
    now: datetime,
    ticket: Ticket,
    *,
    level: RatingLevel,
    reasons: list[RatingReason],
    comment: str,
    source: RatingSource,
) -> Rating:
    """Keep the citizen's rating with the ticket, its counter and the officer who ended it."""
    rating = Rating(
        center_id=ticket.center_id,
        ticket_id=ticket.id,  # type: ignore[arg-type]
        service_day=ticket.service_day,
        counter_id=ticket.counter_id,
        officer_id=ticket.ended_by or ticket.called_by,
        level=level,
        reasons=[r.value for r in reasons],
        comment=comment,
        source=source,
        at=now,
    )
    session.add(rating)
    session.flush()
    queue.record(session, ticket.center_id, "rating.recorded", now, ticket=ticket, rating=event_part(rating))
    return rating


def event_part(rating: Rating) -> protocol.RatingEventOut:
    return protocol.RatingEventOut(
        id=rating.id,  # type: ignore[arg-type]
        ticket_id=rating.ticket_id,
        counter_id=rating.counter_id,
        officer_id=rating.officer_id,
        level=rating.level,
        reasons=list(rating.reasons),
        source=rating.source,
    )


def status_of(session: Session, now: datetime, ticket: Ticket) -> dict[str, object]:
    """What the ticket's status page needs: its rating, and whether it may ask for one."""
    rating = rating_of(session, ticket.id)  # type: ignore[arg-type]
    today = queue.service_day(queue.get_center(session, ticket.center_id), now)
    return {
        "rating": rating.level if rating else None,
        "can_rate": rating is None and ticket.state == TicketState.done and ticket.service_day == today,
    }


def dossier_status_of(session: Session, now: datetime, dossier: Dossier) -> dict[str, object]:
    """What the dossier's status page needs: its ticket's rating, and whether it may ask for one."""
    rating = rating_of(session, dossier.ticket_id)
    returned = dossier.returned_at is not None and dossier.state == DossierState.returned
    return {
        "rating": rating.level if rating else None,
        "can_rate": rating is None and returned and queue._utc(dossier.returned_at) >= now - DOSSIER_WINDOW,  # type: ignore[arg-type]
    }


def of_day(session: Session, center_id: int, day: date) -> list[tuple[Rating, Ticket, Counter | None, User | None]]:
    """A center's ratings of a service day, in the order given, with what they are about."""
    return [
        tuple(row)  # type: ignore[misc]
        for row in session.execute(
            select(Rating, Ticket, Counter, User)
            .join(Ticket, col(Ticket.id) == Rating.ticket_id)
            .outerjoin(Counter, col(Counter.id) == Rating.counter_id)
            .outerjoin(User, col(User.id) == Rating.officer_id)
            .where(Rating.center_id == center_id, Rating.service_day == day)
            .order_by(col(Rating.at), col(Rating.id))
        )
    ]
