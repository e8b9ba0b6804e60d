"""Database tables. Every row carries its center so one database can serve a whole province."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class PriorityRule(StrEnum):
    strict = "strict"  # priority tickets always first
    ratio = "ratio"  # one priority ticket, then `priority_ratio` ordinary ones
    ageing = "ageing"  # an ordinary ticket waiting > `ageing_minutes` joins the priority class


class PriorityGroup(StrEnum):
    elderly = "elderly"
    disabled = "disabled"
    pregnant = "pregnant"
    small_child = "small_child"
    meritorious = "meritorious"  # người có công với cách mạng


class TicketSource(StrEnum):
    kiosk = "kiosk"
    desk = "desk"
    appointment = "appointment"
    online = "online"


class TicketState(StrEnum):
    waiting = "waiting"
    called = "called"
    serving = "serving"
    done = "done"
    no_show = "no_show"
    cancelled = "cancelled"
    transferred = "transferred"


ACTIVE_STATES = (TicketState.waiting, TicketState.called, TicketState.serving)


class CounterState(StrEnum):
    open = "open"
    paused = "paused"
    closed = "closed"


class PauseReason(StrEnum):
    """Why a counter is paused, shown on its console (and to a display that shows counters)."""

    lunch = "lunch"
    meeting = "meeting"
    system_fault = "system_fault"
    other = "other"


class Center(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name_vi: str
    name_en: str
    address: str = ""
    hotline: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    priority_rule: PriorityRule = PriorityRule.ratio
    priority_ratio: int = 2
    ageing_minutes: int = 30
    # The commune or ward it serves, by its code in the official post-2025 list (the
    # vietnam-provinces package), and that unit's province or city.
    ward_code: int | None = None
    # Indexed: a province account's centers are read by it (server.auth.user_principal).
    province_code: int | None = Field(default=None, index=True)
    # Closed on Vietnam's public holidays (Tết, Quốc khánh, ...; the `holidays` package).
    observe_public_holidays: bool = True
    # The leader's and consoles' alert: a counter paused longer than this many minutes.
    pause_alert_minutes: int = 30
    # The staffing advice's target (server.staffing): 90% of citizens should wait less.
    wait_target_minutes: int = 15
    # The wall displays' sound, set by staff from the admin page while they run.
    display_muted: bool = False
    display_volume: int = 100  # percent
    # How they read ticket numbers: A015 digit by digit ("a không một năm") rather than as a
    # number ("a mười lăm"), for a center that prints and reads its numbers that way.
    display_ticket_digits: bool = False
    # Dossiers (server.dossiers, server.workdays): days a closed dossier keeps the citizen's
    # name and phone; the time ("HH:MM", local) after which a dossier counts from the next
    # working day (None: no cut-off); the center's own days off and the Saturdays the
    # government declares working days (làm bù), as ISO dates entered by the admin.
    personal_data_retention_days: int = 30
    afternoon_cutoff: str | None = Field(default=None, max_length=5)
    days_off: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    working_saturdays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class Category(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("center_id", "prefix"),)
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    prefix: str = Field(max_length=2)
    name_vi: str
    name_en: str
    pictogram: str = ""
    color: str = "#1565c0"
    # Opening sessions as [["07:30", "11:30"], ["13:30", "17:00"]], local time of the center.
    sessions: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    daily_cap: int | None = None
    service_minutes: int = 10
    # Alert the leader and the consoles when someone has waited longer (minutes); None: never.
    wait_alert_minutes: int | None = None
    position: int = 0
    active: bool = True


class Notice(SQLModel, table=True):
    """A line the wall display shows (and the kiosk may): opening changes, documents to bring."""

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    text_vi: str = Field(max_length=500)
    text_en: str = Field(default="", max_length=500)
    active: bool = True
    position: int = 0


class Procedure(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    category_id: int = Field(foreign_key="category.id", index=True)
    code: str = ""
    name_vi: str
    name_en: str
    processing_days: int = 0  # legal processing time in working days; 0: the same day
    active: bool = True  # retired from the admin: kept for history, offered to nobody


class Counter(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("center_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    number: int
    name_vi: str
    name_en: str
    state: CounterState = CounterState.open
    pause_reason: PauseReason | None = None  # set while paused, if the officer gave one
    paused_at: datetime | None = None  # since when it is paused (the leader's alert)
    # The officer working it (one at a time): claimed on signing in to it, kept until released
    # or taken over, a closed browser included. The name is the username at the claim, so a
    # counter's every event carries it without reading the user.
    officer_id: int | None = Field(default=None, foreign_key="user.id")
    officer_name: str | None = Field(default=None, max_length=64)
    officer_since: datetime | None = None
    # Ratio rule: ordinary calls this counter still makes before a waiting priority ticket is
    # due again. 0 means due: a fresh counter serves a waiting priority ticket first.
    ordinary_calls_before_priority: int = 0
    # Retired from the admin: off the kiosk, the wall display and the consoles' pickers, but
    # kept, so the tickets it served still name it.
    active: bool = True


class CounterCategory(SQLModel, table=True):
    __tablename__ = "counter_category"
    counter_id: int = Field(foreign_key="counter.id", primary_key=True)
    category_id: int = Field(foreign_key="category.id", primary_key=True, index=True)
    position: int = 0  # the counter's order of preference; breaks ties
    weight: int = 1  # a ticket's wait counts `weight` times when choosing between categories


class Ticket(SQLModel, table=True):
    __table_args__ = (
        # Numbers are unique per center, numbering category and day; `hop` counts transfers,
        # each of which is a new row that keeps the number the citizen holds.
        UniqueConstraint("center_id", "service_day", "number_category_id", "number", "hop"),
        UniqueConstraint("center_id", "idempotency_key"),
        UniqueConstraint("token", "hop"),
        # Counting the people ahead of a ticket reads this index alone (no table rows).
        Index("ix_ticket_queue", "center_id", "service_day", "state", "category_id", "priority_group", "queued_at"),
    )  # and TICKET_WAITING_INDEXES, below
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id")
    service_day: date
    category_id: int = Field(foreign_key="category.id")  # the queue it waits in now
    number_category_id: int = Field(foreign_key="category.id")  # the category that numbered it
    number: int
    label: str  # as printed and announced: "A001"
    hop: int = 0
    origin_id: int | None = Field(default=None, foreign_key="ticket.id")
    target_counter_id: int | None = Field(default=None, foreign_key="counter.id")
    priority_group: PriorityGroup | None = None
    source: TicketSource = TicketSource.kiosk
    state: TicketState = TicketState.waiting
    token: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=128)
    note: str = ""
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    recalls: int = 0
    # The officers (user ids) who called it last (a call, a call by number or a recall) and
    # who ended it (done, no-show, transferred or cancelled): the figures per officer.
    called_by: int | None = Field(default=None, foreign_key="user.id")
    ended_by: int | None = Field(default=None, foreign_key="user.id")
    queued_at: datetime  # its place in time: issue time, kept across transfers
    issued_at: datetime
    called_at: datetime | None = None
    serving_at: datetime | None = None
    done_at: datetime | None = None
    no_show_at: datetime | None = None
    cancelled_at: datetime | None = None
    transferred_at: datetime | None = None


class Event(SQLModel, table=True):
    # `seq` numbers one center's events 1, 2, 3, ... with no gaps, so a client that sees
    # anything but last + 1 knows it missed something.
    __table_args__ = (UniqueConstraint("center_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id")
    seq: int
    kind: str = Field(max_length=40)
    at: datetime
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Role(StrEnum):
    admin = "admin"  # sets the center up: categories, counters, staff, devices
    leader = "leader"  # reads figures and the audit log, works a counter
    staff = "staff"  # works a counter and the entrance desk
    # Sees and administers every center of its province (User.province_code), reads their
    # reports side by side, and creates centers there; never a center's own account.
    province = "province"


class DeviceKind(StrEnum):
    kiosk = "kiosk"  # issues tickets, reads what a kiosk shows
    display = "display"  # reads only
    print_agent = "print_agent"  # receives print jobs
    rating = "rating"  # a counter's rating screen (/rate): reads its counter, records ratings


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # None: an account above the centers: of one province (`province_code`, role province),
    # or of the whole server (the first admin) when that is None too.
    center_id: int | None = Field(default=None, foreign_key="center.id", index=True)
    province_code: int | None = None
    username: str = Field(unique=True, max_length=64)
    full_name: str = ""
    password_hash: str
    role: Role = Role.staff
    active: bool = True
    created_at: datetime


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)  # sha256 of the cookie's value
    csrf_token: str = Field(max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    expires_at: datetime


class Device(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id", index=True)
    kind: DeviceKind
    name: str
    token_hash: str = Field(unique=True, max_length=64)  # sha256 of the token it presents
    active: bool = True
    created_at: datetime
    last_seen_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    center_id: int | None = Field(default=None, foreign_key="center.id", index=True)
    actor: str = Field(max_length=100)  # "user:lan.nt" or "device:kiosk-1"
    action: str = Field(max_length=60)
    target: str = ""
    at: datetime
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _partial(name: str, where: str, *columns: str) -> Index:
    """An index of the tickets matching `where` only: small, and a query that repeats `where`
    word for word (a literal, not a parameter: SQLite matches it as text) may use it."""
    table = Ticket.__table__  # type: ignore[attr-defined]
    return Index(name, *(table.c[c] for c in columns), sqlite_where=text(where), postgresql_where=text(where))


WAITING = "state = 'waiting'"
IN_HAND = "state IN ('called', 'serving')"
# Call-next and a counter's waiting list read the first tickets of each queue (a category's
# untargeted tickets, or those sent to one counter by name), per priority class, in order,
# from these: the cost of a call does not grow with the number waiting. A counter's ticket in
# hand is one lookup.
TICKET_WAITING_INDEXES = (
    _partial("ix_ticket_waiting_ordinary", f"{WAITING} AND priority_group IS NULL",
             "center_id", "service_day", "target_counter_id", "category_id", "queued_at", "id"),
    _partial("ix_ticket_waiting_priority", f"{WAITING} AND priority_group IS NOT NULL",
             "center_id", "service_day", "target_counter_id", "category_id", "queued_at", "id"),
    _partial("ix_ticket_in_hand", IN_HAND, "counter_id"),
)


class PrintJobState(StrEnum):
    queued = "queued"  # waiting for its turn on the printer
    printing = "printing"  # claimed by a worker (`claimed_by`, until `claimed_until`), being sent
    retrying = "retrying"  # the last try failed (`last_error`); tried again when the printer is back
    printed = "printed"  # the printer confirmed it (status answers after the data)
    sent = "sent"  # delivered to a printer that cannot confirm (its address says ?status=none)
    expired = "expired"  # not printed within the allowed age: never printed late; staff reprint on request
    failed = "failed"  # interrupted mid-print (the server stopped): it may be on paper; staff decide
    replaced = "replaced"  # a reprint on another printer took its place before it printed


# States a job can still leave by itself; at most one such job per ticket (and per document).
UNFINISHED_PRINT_STATES = (PrintJobState.queued, PrintJobState.printing, PrintJobState.retrying)
_UNFINISHED_SQL = "state IN ('queued', 'printing', 'retrying')"


class PrintJobKind(StrEnum):
    """What a print job prints."""

    ticket = "ticket"  # the ticket itself, drawn from its row when it prints (people ahead change)
    slip = "slip"  # an appointment slip (phiếu hẹn), drawn from the job's own `payload`


class PrintJob(SQLModel, table=True):
    """A ticket (or a dossier's appointment slip) to print on one printer. A row, so a restart
    loses none; every change of state is a conditional UPDATE of the row, so several server
    processes never print it twice."""

    __tablename__ = "print_job"
    __table_args__ = (
        # A printer's worker reads its next job in order.
        Index("ix_print_job_printer_state", "printer", "state", "id"),
        # The console's list of the day.
        Index("ix_print_job_center_created", "center_id", "created_at"),
        # One unfinished ticket job per ticket: a second reprint click while one runs joins it.
        Index(
            "ux_print_job_unfinished",
            "ticket_id",
            unique=True,
            sqlite_where=text(f"{_UNFINISHED_SQL} AND kind = 'ticket'"),
            postgresql_where=text(f"{_UNFINISHED_SQL} AND kind = 'ticket'"),
        ),
        # And one per other document (a dossier's slip): the same for its print button.
        Index(
            "ux_print_job_unfinished_document",
            "center_id",
            "kind",
            "document",
            unique=True,
            sqlite_where=text(f"{_UNFINISHED_SQL} AND kind <> 'ticket'"),
            postgresql_where=text(f"{_UNFINISHED_SQL} AND kind <> 'ticket'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id")
    ticket_id: int = Field(foreign_key="ticket.id")
    label: str = Field(max_length=12)  # the ticket's number, for the console's list
    printer: str = Field(max_length=100)  # the kiosk device's name, or "desk"
    state: PrintJobState = PrintJobState.queued
    attempts: int = 0
    # The last fault: {"key", "vi", "en"}, kept after it is fixed so staff see what happened.
    last_error: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The address the QR code on the paper opens: the one the kiosk's own screen shows.
    public_url: str = Field(max_length=500)
    created_at: datetime
    updated_at: datetime
    next_try_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    # A ticket job prints its ticket; any other kind prints `payload`, the document's content as
    # it was when the job was made (a slip: printer.slip.SlipContent as JSON), and `document`
    # names it for staff (a slip: the dossier code). `ticket_id` is the ticket it came from.
    kind: PrintJobKind = Field(
        default=PrintJobKind.ticket, sa_column=Column(String(16), nullable=False, server_default="ticket")
    )
    payload: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    document: str | None = Field(default=None, max_length=64)


class DossierState(StrEnum):
    """A dossier's life: received -> processing -> (needs_more -> processing) -> ready ->
    returned; rejected (with a reason) from any open state."""

    received = "received"
    processing = "processing"
    needs_more = "needs_more"  # bổ sung: the citizen brings what is missing; the clock stands still
    ready = "ready"  # the result waits for pick-up
    returned = "returned"  # handed back to the citizen
    rejected = "rejected"  # refused, with a reason


CLOSED_DOSSIER_STATES = (DossierState.returned, DossierState.rejected)


class Dossier(SQLModel, table=True):
    """A dossier (hồ sơ) received at a counter from a ticket, until its result is returned.

    The citizen's name and phone are optional and blanked `personal_data_retention_days`
    after it closes (`purge_at`); everything else stays for the figures."""

    __table_args__ = (
        UniqueConstraint("center_id", "code"),
        UniqueConstraint("token"),
        # The console's and the leader's lists: a center's dossiers by state and due date.
        Index("ix_dossier_center_state_due", "center_id", "state", "due_date"),
        Index("ix_dossier_purge", "purge_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id")
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    # The officer who received it, and the name at the time (kept if the account changes).
    officer_id: int | None = Field(default=None, foreign_key="user.id")
    officer_name: str = Field(default="", max_length=64)
    procedure_id: int = Field(foreign_key="procedure.id")
    code: str = Field(max_length=40)  # mã hồ sơ, as typed or scanned
    token: str = Field(max_length=64)  # the public status page /d/{token}
    citizen_name: str | None = Field(default=None, max_length=120)
    citizen_phone: str | None = Field(default=None, max_length=20)
    state: DossierState = DossierState.received
    missing_documents: str = Field(default="", max_length=1000)  # what needs_more asks for
    reject_reason: str = Field(default="", max_length=1000)
    received_at: datetime
    # The first working day counted (the receipt's, or the next after the cut-off), the
    # processing days at receipt, and the working days the clock stood still (needs_more):
    # due_date = that many working days after `counted_from` (server.workdays).
    counted_from: date
    processing_days: int = 0
    stood_still_days: int = 0
    due_date: date
    processing_at: datetime | None = None
    needs_more_at: datetime | None = None  # the last time it went to needs_more
    ready_at: datetime | None = None
    returned_at: datetime | None = None
    rejected_at: datetime | None = None
    updated_at: datetime
    purge_at: datetime | None = None  # when its personal data goes (set when it closes)
    purged_at: datetime | None = None




# --- ratings: how satisfied the citizen was (issue 17) -----------------------------------------


class RatingLevel(StrEnum):
    very_satisfied = "very_satisfied"  # rất hài lòng
    satisfied = "satisfied"  # hài lòng
    neutral = "neutral"  # bình thường
    dissatisfied = "dissatisfied"  # không hài lòng


# Levels a citizen may say why about (reason chips are offered for these only).
UNSATISFIED_LEVELS = (RatingLevel.neutral, RatingLevel.dissatisfied)


class RatingReason(StrEnum):
    waited_too_long = "waited_too_long"
    staff_attitude = "staff_attitude"
    unclear_guidance = "unclear_guidance"
    extra_papers = "extra_papers"  # asked for papers the procedure does not require
    facilities = "facilities"


class RatingSource(StrEnum):
    counter = "counter"  # the counter's rating screen (/rate)
    phone = "phone"  # the ticket's status page on the citizen's phone


class Rating(SQLModel, table=True):
    """One citizen's rating of one ticket's service: kept with the ticket (its dossiers are
    found through the ticket), the counter and the officer who ended it."""

    __table_args__ = (Index("ix_rating_center_day", "center_id", "service_day"),)
    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(foreign_key="center.id")
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)  # one rating per ticket
    service_day: date  # the ticket's
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    officer_id: int | None = Field(default=None, foreign_key="user.id")
    level: RatingLevel
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    comment: str = Field(default="", max_length=200)
    source: RatingSource
    at: datetime
