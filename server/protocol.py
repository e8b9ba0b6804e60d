"""The wire protocol: what the REST API and /ws/events send.

Imports pydantic only, so the wall display and the print agent share it without the server.
Times are UTC on the wire. A client keeps a `QueueState` and applies events to it in sequence.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, PrivateAttr, TypeAdapter

from server.ids import MAX_ID, ApiId


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]

ACTIVE = ("waiting", "called", "serving")


class Messages(BaseModel):
    vi: str
    en: str


class CategoryOut(BaseModel):
    id: int
    prefix: str
    name_vi: str
    name_en: str
    pictogram: str
    color: str
    sessions: list[list[str]]
    daily_cap: int | None
    service_minutes: int
    position: int
    wait_alert_minutes: int | None = None  # someone waiting longer is an alert; None: never
    # Whether a ticket can be issued now, and if not, why (outside_hours, daily_cap_reached).
    open: bool = True
    closed_reason: str | None = None
    # False: retired from the admin; a client drops it (no grey tile), its history stays.
    active: bool = True


class CounterCategoryOut(BaseModel):
    category_id: int
    position: int
    weight: int


class CounterOut(BaseModel):
    id: int
    number: int
    name_vi: str
    name_en: str
    state: str
    categories: list[CounterCategoryOut] = []
    # Ratio rule: ordinary calls it still makes before a waiting priority ticket is due.
    ordinary_calls_before_priority: int = 0
    # Why it is paused (lunch, meeting, system_fault, other), None if open or not said.
    pause_reason: str | None = None
    # The officer working it (a user id and username) and since when; None: nobody.
    officer_id: int | None = None
    officer_name: str | None = None
    officer_since: UtcDatetime | None = None
    paused_at: UtcDatetime | None = None  # since when it is paused (an alert past the center's limit)
    # False: retired from the admin; a client drops it from what it shows.
    active: bool = True


class TicketOut(BaseModel):
    id: int
    center_id: int
    service_day: date
    label: str
    number: int
    category_id: int
    number_category_id: int
    hop: int
    origin_id: int | None
    target_counter_id: int | None
    priority_group: str | None
    source: str
    state: str
    counter_id: int | None
    recalls: int
    note: str
    # The officer (user id) who called it last, and who ended it (done, no-show, transfer, cancel).
    called_by: int | None = None
    ended_by: int | None = None
    queued_at: UtcDatetime
    issued_at: UtcDatetime
    called_at: UtcDatetime | None
    serving_at: UtcDatetime | None
    done_at: UtcDatetime | None
    no_show_at: UtcDatetime | None
    cancelled_at: UtcDatetime | None
    transferred_at: UtcDatetime | None

    def public(self) -> "TicketOut":
        """As a kiosk, a wall display or a print agent may have it: without the desk's or the
        transfer's note, free text that likely holds the citizen's personal details."""
        return self.model_copy(update={"note": ""}) if self.note else self


class CenterOut(BaseModel):
    id: int
    code: str
    name_vi: str
    name_en: str
    address: str
    hotline: str
    timezone: str
    priority_rule: str
    priority_ratio: int
    ageing_minutes: int
    observe_public_holidays: bool = True
    ward_code: int | None = None  # official post-2025 code of the commune or ward it serves
    province_code: int | None = None
    pause_alert_minutes: int = 30  # a counter paused longer is an alert
    # The wall displays' sound (admin page; "display.sound" events carry the center with it).
    display_muted: bool = False
    display_volume: int = 100  # percent
    display_ticket_digits: bool = False  # ticket numbers read digit by digit (A015: "a không một năm")


class NoticeOut(BaseModel):
    """A line for the wall display, in Vietnamese and English."""

    id: int
    text_vi: str
    text_en: str
    position: int


class Snapshot(BaseModel):
    type: Literal["snapshot"] = "snapshot"
    seq: int  # the last event this snapshot reflects
    center: CenterOut
    service_day: date
    categories: list[CategoryOut]
    counters: list[CounterOut]
    tickets: list[TicketOut]  # today's active tickets: waiting, called, serving
    notices: list[NoticeOut] = []  # the active notices, in order

    def public(self) -> "Snapshot":
        """As a device may have it (TicketOut.public)."""
        return self.model_copy(update={"tickets": [t.public() for t in self.tickets]})


class CounterView(BaseModel):
    """What a counter's console shows, and no more: its counter and categories, the ticket in
    hand, and the first waiting tickets it would call, in the order it would call them. Its
    size does not grow with the center's other counters, nor with the waiting beyond the list."""

    type: Literal["counter_view"] = "counter_view"
    seq: int  # the last event it reflects: follow /ws/events?counter_id=...&since=seq
    center: CenterOut
    service_day: date
    counter: CounterOut
    categories: list[CategoryOut]  # the counter's, in its order of preference
    in_hand: TicketOut | None
    waiting: list[TicketOut]  # call order: what repeated call-nexts would call now
    waiting_total: int  # all the tickets it may call, listed or not
    # After the list, the next ticket of each queue still waiting: with them a console can
    # keep the call order itself as tickets come and go (server/web/static/call_order.js).
    next_in_queues: list[TicketOut] = []
    # How many wait in each of its queues: per category, and sent to it by name (category_id
    # None), per priority class. The list holds the first tickets of each queue; with these
    # counts a console knows which queues it has whole and can keep the order itself.
    queues: list["QueueCount"] = []

    def public(self) -> "CounterView":
        """As a device (a counter's rating screen) may have it (TicketOut.public)."""
        return self.model_copy(
            update={
                "in_hand": self.in_hand.public() if self.in_hand else None,
                "waiting": [t.public() for t in self.waiting],
                "next_in_queues": [t.public() for t in self.next_in_queues],
            }
        )


class QueueCount(BaseModel):
    category_id: int | None  # None: tickets sent to this counter by name
    priority: bool
    waiting: int


PrintState = Literal["queued", "printing", "retrying", "printed", "sent", "expired", "failed", "replaced"]
# The states a job stays in: the printer confirmed it, or it was delivered to one that cannot.
PRINT_DELIVERED = ("printed", "sent")


class PrintJobOut(BaseModel):
    """A ticket's print job and why it is not printed yet, for the kiosk and staff.

    queued -> printing -> printed (the printer confirmed) or sent (a printer that cannot
    confirm); a fault: retrying (with `error`) until the printer is back, or expired when the
    ticket is too old to print late; failed: interrupted mid-print (it may be on paper);
    replaced: a reprint on another printer took its place."""

    id: ApiId | None = None  # None only in a report from a print agent of before jobs were rows
    ticket_id: ApiId  # bounded (server.ids): print agents send this model back
    label: str
    printer: str  # the kiosk's name, or "desk"
    state: PrintState
    attempts: int = Field(ge=0, le=MAX_ID)
    error: Messages | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    # Set when a print agent on the kiosk's PC prints it (a USB printer): the agent's name.
    agent: str | None = None
    # What it prints: the ticket, or an appointment slip of a dossier received from the
    # ticket (`document`: the dossier code).
    kind: Literal["ticket", "slip"] = "ticket"
    document: str | None = Field(default=None, max_length=64)


class IssuedTicket(TicketOut):
    token: str
    people_ahead: int
    estimated_wait_minutes: int
    # The ticket's print job, when the place that issued it has a printer; its later states
    # arrive as "print.updated" events.
    print_job: PrintJobOut | None = None


class DossierEventOut(BaseModel):
    """A dossier as the event stream carries it ("dossier.received", "dossier.state_changed",
    "dossier.purged"). Never the citizen's name or phone: every client of the center's stream
    gets its events, kiosks and wall displays too; staff read those from the API."""

    id: int
    ticket_id: int
    counter_id: int | None
    procedure_id: int
    code: str
    state: str  # received, processing, needs_more, ready, returned, rejected
    officer_id: int | None
    officer_name: str
    received_at: UtcDatetime
    due_date: date
    stood_still_days: int


class DossierOut(DossierEventOut):
    """A dossier as staff read it (GET /api/v1/dossiers/{id}): what the appointment slip,
    the console and the apology letter need, the citizen's name and phone included."""

    center_id: int
    center_name_vi: str
    center_name_en: str
    center_address: str
    center_hotline: str
    ticket_label: str
    procedure_code: str
    procedure_name_vi: str
    procedure_name_en: str
    processing_days: int
    citizen_name: str | None
    citizen_phone: str | None
    missing_documents: str  # what needs_more asked for ("" otherwise)
    reject_reason: str
    counted_from: date  # the first working day counted (after the cut-off: the next one)
    late: bool  # today is past the due date; not returned, rejected nor waiting for documents
    processing_at: UtcDatetime | None
    needs_more_at: UtcDatetime | None
    ready_at: UtcDatetime | None
    returned_at: UtcDatetime | None
    rejected_at: UtcDatetime | None
    updated_at: UtcDatetime
    purge_at: UtcDatetime | None  # when the name and phone are blanked (set when it closes)
    purged_at: UtcDatetime | None
    token: str
    status_path: str  # the citizen's status page, /d/{token}: the QR code on the slip


class DossierStatus(BaseModel):
    """What the citizen's status page shows (GET /api/v1/public/dossiers/{token}): never the
    citizen's name or phone."""

    code: str
    state: str
    procedure_name_vi: str
    procedure_name_en: str
    received_at: UtcDatetime
    due_date: date
    late: bool
    missing_documents: str  # set while needs_more
    reject_reason: str  # set when rejected
    ready_at: UtcDatetime | None
    returned_at: UtcDatetime | None
    center_name_vi: str
    center_name_en: str
    center_address: str
    center_hotline: str
    # The rating of the visit that brought the dossier (its ticket's), and whether this page
    # may still ask for it: once the result is returned (server.ratings).
    rating: str | None = None  # very_satisfied, satisfied, neutral, dissatisfied
    can_rate: bool = False


class RatingEventOut(BaseModel):
    """A rating as events carry it: no free-text comment (events reach kiosks and displays)."""

    id: int
    ticket_id: int
    counter_id: int | None
    officer_id: int | None
    level: str  # very_satisfied, satisfied, neutral, dissatisfied
    reasons: list[str]
    source: str  # counter, phone


class EventOut(BaseModel):
    type: Literal["event"] = "event"
    seq: int
    center_id: int
    kind: str  # ticket.issued, ticket.called, ticket.recalled, counter.paused, counter.claimed, ...
    at: UtcDatetime
    ticket: TicketOut | None = None
    counter: CounterOut | None = None
    categories: list[CategoryOut] | None = None
    print_job: PrintJobOut | None = None
    center: CenterOut | None = None  # center.updated: the profile changed
    notices: list[NoticeOut] | None = None  # notice.updated: every active notice, in order
    dossier: DossierEventOut | None = None  # dossier.received, dossier.state_changed
    rating: RatingEventOut | None = None  # rating.recorded
    _json: str | None = PrivateAttr(default=None)
    _public_json: str | None = PrivateAttr(default=None)

    def as_json(self) -> str:
        """The event as sent to staff on /ws/events, encoded once however many clients it goes to."""
        if self._json is None:
            self._json = self.model_dump_json()
        return self._json

    def public(self) -> "EventOut":
        """As devices (kiosks, wall displays, print agents, rating screens) get it: the ticket
        without its note (TicketOut.public), no dossier nor rating, and a slip's print job
        without its dossier's code: none of them shows those. The kind and sequence stay, so
        their queue state stays gapless."""
        job = self.print_job
        if self.dossier is None and self.rating is None and (self.ticket is None or not self.ticket.note) and (job is None or job.document is None):
            return self
        ticket = self.ticket.public() if self.ticket is not None else None
        job = job.model_copy(update={"document": None}) if job is not None and job.document is not None else job
        public = self.model_copy(update={"ticket": ticket, "dossier": None, "rating": None, "print_job": job})
        public._json = public._public_json = None  # model_copy copies them: they are the staff's
        return public

    def as_public_json(self) -> str:
        """`public()` as sent on /ws/events, encoded once for all the devices it goes to."""
        if self._public_json is None:
            public = self.public()
            self._public_json = self.as_json() if public is self else public.model_dump_json()
        return self._public_json


class QueueState(BaseModel):
    """A client's view of one center's queue: a snapshot with events applied in order."""

    seq: int = 0
    center: CenterOut | None = None
    service_day: date | None = None
    categories: dict[int, CategoryOut] = Field(default_factory=dict)
    counters: dict[int, CounterOut] = Field(default_factory=dict)
    tickets: dict[int, TicketOut] = Field(default_factory=dict)
    notices: list[NoticeOut] = Field(default_factory=list)
    last_event: EventOut | None = None

    @classmethod
    def from_snapshot(cls, snap: Snapshot) -> "QueueState":
        return cls(
            seq=snap.seq,
            center=snap.center,
            service_day=snap.service_day,
            categories={c.id: c for c in snap.categories},
            counters={c.id: c for c in snap.counters},
            tickets={t.id: t for t in snap.tickets},
            notices=snap.notices,
        )

    def apply(self, event: EventOut) -> bool:
        """Apply one event; False (and no change) if it is not the next in sequence."""
        if event.seq != self.seq + 1:
            return False
        self.seq = event.seq
        self.last_event = event
        if event.ticket is not None:
            ticket = event.ticket
            if self.service_day is None or ticket.service_day > self.service_day:
                # A new service day: yesterday's queue is over.
                self.service_day = ticket.service_day
                self.tickets.clear()
            if ticket.state in ACTIVE:
                self.tickets[ticket.id] = ticket
            else:
                self.tickets.pop(ticket.id, None)
        if event.counter is not None:
            if event.counter.active:
                self.counters[event.counter.id] = event.counter
            else:
                self.counters.pop(event.counter.id, None)  # retired: off the wall display
        for category in event.categories or []:
            if category.active:
                self.categories[category.id] = category
            else:
                self.categories.pop(category.id, None)
        if event.center is not None:
            self.center = event.center
        if event.notices is not None:
            self.notices = event.notices
        return True

    def waiting(self, category_id: int) -> int:
        return sum(
            1 for t in self.tickets.values() if t.state == "waiting" and t.category_id == category_id
        )

    def in_hand(self, counter_id: int) -> TicketOut | None:
        """The ticket a counter has called or is serving, if any."""
        for t in self.tickets.values():
            if t.counter_id == counter_id and t.state in ("called", "serving"):
                return t
        return None


_MESSAGE = TypeAdapter(Annotated[Snapshot | EventOut, Field(discriminator="type")])


def parse_message(raw: str | bytes) -> Snapshot | EventOut:
    """Decode one /ws/events message."""
    return _MESSAGE.validate_json(raw)
