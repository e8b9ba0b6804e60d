"""Ratings: `POST /api/v1/ratings` records how satisfied a citizen was with a ticket's service;
`GET /api/v1/ratings?center_id=&day=` lists a service day's ratings for leaders and admins.

Three ways in, one route. The counter's rating screen (a `rating` device, or the officer's own
session on a second screen) sends the ticket and its counter: only the ticket that counter has
just completed. The citizen's phone sends the ticket's public token (its status page): once the
ticket is done, the same service day, without signing in. Or the dossier's public token (the
page its appointment slip's QR code opens): once the result is returned, for the ticket that
brought the dossier and no other (the ticket comes from the dossier, never from the body).
"""

from datetime import date
from typing import Annotated, Self

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator, model_validator
from sqlmodel import Session

from server import auth, dossiers, queue, ratings
from server.api.answers import BODY, INPUT, PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep, json_answer, read_answer
from server.api.models import Body
from server.api.security import ReadAudit, allowed, guard_center
from server.auth import Permission, Principal
from server.errors import Forbidden
from server.invalid import Refused, printable
from server.models import UNSATISFIED_LEVELS, RatingLevel, RatingReason, RatingSource, Ticket, User
from server.protocol import UtcDatetime

router = APIRouter(tags=["ratings"], responses=INPUT)
_may_record = allowed(Permission.rating_record)
# Who records a rating from a phone, in the audit log: the citizen, through the ticket's page.
_CITIZEN = "citizen"


class RatingIn(Body):
    """A rating: from the counter (`ticket_id` and `counter_id`) or from the phone (`token`,
    or `dossier_token`)."""

    ticket_id: ApiId | None = None
    counter_id: ApiId | None = None
    token: str | None = Field(default=None, min_length=1, max_length=64, description="the ticket's public token (its status page)")
    dossier_token: str | None = Field(
        default=None, min_length=1, max_length=64, description="a dossier's public token (its status page /d/{token}): rates its ticket"
    )
    level: RatingLevel
    reasons: list[RatingReason] = Field(default_factory=list, max_length=len(RatingReason))
    comment: Annotated[str, AfterValidator(printable)] = Field(default="", max_length=200)

    @field_validator("reasons")
    @classmethod
    def _once_each_when_not_satisfied(cls, reasons: list[RatingReason], info: ValidationInfo) -> list[RatingReason]:
        if len(set(reasons)) != len(reasons):
            raise Refused("repeated")
        level = info.data.get("level")  # checked before the reasons; absent if it was refused
        if reasons and level is not None and level not in UNSATISFIED_LEVELS:
            raise Refused("reasons_when_satisfied")
        return reasons

    @model_validator(mode="after")
    def _one_way_in(self) -> Self:
        at_counter = self.ticket_id is not None and self.counter_id is not None
        ways = [at_counter, self.token is not None, self.dossier_token is not None]
        if ways.count(True) != 1 or (self.ticket_id is None) != (self.counter_id is None):
            raise Refused("rating_from")
        return self


class RatingOut(BaseModel):
    id: int
    ticket_id: int
    label: str
    service_day: date
    counter_id: int | None
    counter_number: int | None
    officer_id: int | None
    officer_username: str | None
    level: RatingLevel
    reasons: list[str]
    comment: str
    source: RatingSource
    at: UtcDatetime


def _out(rating, ticket: Ticket, counter, officer) -> RatingOut:  # type: ignore[no-untyped-def]
    return RatingOut(
        id=rating.id,
        ticket_id=ticket.id,  # type: ignore[arg-type]
        label=ticket.label,
        service_day=rating.service_day,
        counter_id=rating.counter_id,
        counter_number=counter.number if counter else None,
        officer_id=rating.officer_id,
        officer_username=officer.username if officer else None,
        level=rating.level,
        reasons=list(rating.reasons),
        comment=rating.comment,
        source=rating.source,
        at=rating.at,
    )


@router.post(
    "/ratings",
    status_code=status.HTTP_201_CREATED,
    response_model=RatingOut,
    # 409: already rated, not done (returned) yet, not this counter's last ticket, or too late
    responses=BODY | answers(401, 403, 404, 409),
)
async def record_rating(body: RatingIn, request: Request, db: DbDep, now: NowDep) -> Response:
    """Record the citizen's rating of a ticket, once. From the counter: a `rating` device or the
    counter's officer (signed in), `ticket_id` and `counter_id`, for the ticket that counter
    completed last, within 10 minutes. From the phone: the ticket's `token`, no sign-in, once
    the ticket is done and on its service day; or a dossier's `dossier_token`, no sign-in, for the
    ticket that brought it, within 7 days of its result being returned. Reasons only with neutral
    or dissatisfied."""
    from_phone = body.token is not None or body.dossier_token is not None
    principal = None if from_phone else await _may_record(request)

    def job(session: Session) -> RatingOut:
        about: dict[str, object] = {}
        if body.dossier_token is not None:
            dossier = dossiers.by_token(session, body.dossier_token)
            ticket = ratings.check_from_dossier(session, now, dossier)
            actor = Principal(_CITIZEN, 0, f"dossier {dossier.code}", _CITIZEN, ticket.center_id)
            source, about = RatingSource.phone, {"dossier": dossier.code}
        elif body.token is not None:
            ticket = queue.ticket_by_token(session, body.token)
            ratings.check_on_phone(session, now, ticket)
            actor = Principal(_CITIZEN, 0, f"ticket {ticket.label}", _CITIZEN, ticket.center_id)
            source = RatingSource.phone
        else:
            assert principal is not None and body.ticket_id is not None and body.counter_id is not None
            ticket = queue.get_ticket(session, body.ticket_id)
            guard_center(principal, ticket.center_id)
            counter = queue.get_counter(session, body.counter_id)
            guard_center(principal, counter.center_id)
            if principal.kind == "user" and principal.id not in (counter.officer_id, ticket.ended_by):
                raise Forbidden("rating_not_your_counter", number=counter.number)
            ratings.check_at_counter(session, now, ticket, counter)
            actor, source = principal, RatingSource.counter
        rating = ratings.record(
            session, now, ticket, level=body.level, reasons=body.reasons, comment=body.comment, source=source
        )
        # The comment stays in the rating alone (personal words, read by leaders), not the log.
        auth.audit(
            session, now, actor, "rating.record", ticket.center_id, ticket.label,
            level=rating.level, reasons=rating.reasons, source=source, counter_id=rating.counter_id, **about,
        )  # fmt: skip
        counter_row = queue.get_counter(session, rating.counter_id) if rating.counter_id else None
        officer = session.get(User, rating.officer_id) if rating.officer_id else None
        return _out(rating, ticket, counter_row, officer)

    return json_answer(await db.run(job), status.HTTP_201_CREATED)


@router.get("/ratings", response_model=list[RatingOut], responses=PERMITTED | answers(404))
async def list_ratings(
    db: DbDep,
    now: NowDep,
    principal: ReadAudit,
    center_id: ApiId,
    day: date | None = Query(None, description="the service day (YYYY-MM-DD); today if not given"),
) -> Response:
    """A center's ratings of a service day, oldest first, with ticket, counter and officer."""
    guard_center(principal, center_id)

    def read(session: Session) -> list[RatingOut]:
        wanted = day or queue.service_day(queue.get_center(session, center_id), now)
        return [_out(*row) for row in ratings.of_day(session, center_id, wanted)]

    return await read_answer(db, read)

