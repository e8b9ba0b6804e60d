"""Request bodies and public views of the REST API (the rest of the wire is server.protocol)."""

from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.ids import ApiId
from server.models import PauseReason, PriorityGroup, TicketSource


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IssueRequest(Body):
    category_id: ApiId
    priority_group: PriorityGroup | None = None
    source: TicketSource = TicketSource.kiosk
    # The client makes one key per tap, so a repeated request returns the same ticket.
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    note: str = Field(default="", max_length=500)


class TransferRequest(Body):
    category_id: ApiId | None = None
    counter_id: ApiId | None = None
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.category_id is None and self.counter_id is None:
            raise ValueError("give category_id or counter_id (or both) / chọn lĩnh vực hoặc quầy")
        return self


class ClaimRequest(Body):
    # A counter another officer holds is only taken when asked for: their console is told.
    take_over: bool = False


class PauseRequest(Body):
    reason: PauseReason | None = None


class CallRequest(Body):
    """Call one ticket by its number at this counter."""

    counter_id: ApiId


class OfficerFigures(BaseModel):
    """One officer's work on a service day: the tickets they called, and how the tickets they
    ended ended."""

    officer_id: int
    username: str
    full_name: str
    called: int
    done: int
    no_show: int
    transferred: int
    cancelled: int


class TicketStatus(BaseModel):
    """What the QR status page shows: one ticket, by its unguessable token, nothing else."""

    label: str
    state: str
    center_id: int  # for the status page's live updates
    service_day: date
    category_vi: str
    category_en: str
    people_ahead: int
    estimated_wait_minutes: int
    counter_number: int | None
    # The citizen's rating of it (very_satisfied ... dissatisfied), if given; whether the page
    # may ask for one now (done, on its service day, not rated yet).
    rating: str | None = None
    can_rate: bool = False


class StaffingHour(BaseModel):
    """One hour of the day (local) for a category: its usual arrivals, the counters it needs,
    and what the counters open now would give."""

    hour: int = Field(ge=0, le=23)
    arrivals_per_hour: float
    counters_needed: int | None  # None: more than server.staffing.MAX_COUNTERS
    planned_counters: int
    planned_within_target: float  # the share of citizens who would wait under the target


class StaffingCategory(BaseModel):
    category_id: int
    prefix: str
    name_vi: str
    name_en: str
    service_minutes: float  # measured over the weeks (or the configured figure, see note)
    measured_services: int
    note: dict[str, str] | None  # Vietnamese and English
    hours: list[StaffingHour]


class StaffingAdvice(BaseModel):
    """Counters to open per category and hour so that `goal` of citizens wait under the target
    (server.staffing: Erlang C)."""

    center_id: int
    day: date
    weeks: int
    target_minutes: float  # the one used: the center's unless another was asked for
    center_target_minutes: int  # the center's own (Center.wait_target_minutes)
    goal: float
    history_days: list[date]
    note: dict[str, str] | None
    categories: list[StaffingCategory]
