"""The center's set-up, for its admin: profile, categories, procedures, counters, staff,
devices, notices. Every change is audited; those kiosks and displays show go out as events."""

import re
from datetime import date, datetime
from functools import cache
from typing import Annotated, Self

from fastapi import APIRouter, Request
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator
from sqlalchemy import select
from sqlmodel import Session, col

from server import auth, directory, protocol, queue
from server.api.answers import BODY, PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep
from server.api.models import Body
from server.api.security import AdminCenter, CreateCenter, guard_center
from server.auth import Principal
from server.errors import Conflict, Forbidden, NotFound
from server.invalid import Refused, printable
from server.kiosk_pages import STATIC as KIOSK_STATIC
from server.models import Category, Counter, Device, DeviceKind, Notice, PriorityRule, Procedure, Role, User
from server.presence import Presence

router = APIRouter(prefix="/admin", tags=["admin"], responses=PERMITTED)

# --- input ---------------------------------------------------------------------------------------

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _sessions(value: list[list[str]]) -> list[list[str]]:
    for pair in value:
        if len(pair) != 2 or not all(_HHMM.match(t) for t in pair):
            raise Refused("session_form", session="-".join(pair))
        if pair[0] >= pair[1]:
            raise Refused("session_order", session="-".join(pair))
    value = sorted(value)
    for first, second in zip(value, value[1:]):
        if second[0] < first[1]:
            raise Refused("session_overlap", first="-".join(first), second="-".join(second))
    return value


def _dates(value: list[date] | None) -> list[date] | None:
    if value is None:
        return None
    ordered = sorted(value)
    for day, following in zip(ordered, ordered[1:]):
        if day == following:
            raise Refused("date_twice", day=day.strftime("%d/%m/%Y"))
    return ordered


def _saturdays(value: list[date] | None) -> list[date] | None:
    for day in value or ():
        if day.weekday() != 5:
            raise Refused("not_a_saturday", day=day.strftime("%d/%m/%Y"))
    return _dates(value)


@cache
def pictograms() -> tuple[str, ...]:
    """The pictograms a kiosk can show: the SVG files it serves, by name."""
    return tuple(sorted(path.stem for path in (KIOSK_STATIC / "pictograms").glob("*.svg")))


def _pictogram(name: str) -> str:
    if name and name not in pictograms():
        raise Refused("pictogram_unknown", name=name, names=", ".join(pictograms()))
    return name


Name = Annotated[str, Field(min_length=1, max_length=120)]


class CenterIn(Body):
    name_vi: Name
    name_en: Name
    address: str = Field(default="", max_length=300)
    hotline: str = Field(default="", max_length=40)
    ward_code: ApiId | None = None  # a code of server.directory's list
    priority_rule: PriorityRule = PriorityRule.ratio
    priority_ratio: int = Field(default=2, ge=1, le=20)
    ageing_minutes: int = Field(default=30, ge=1, le=480)
    # Closed on Vietnam's public holidays; left out: unchanged.
    observe_public_holidays: bool | None = None
    # A counter paused longer is an alert on the leader's page and the consoles.
    pause_alert_minutes: int = Field(default=30, ge=1, le=480)
    # The staffing advice's target: 90% of citizens should wait less (left out: unchanged).
    wait_target_minutes: int | None = Field(default=None, ge=1, le=240)
    # Dossiers (left out: unchanged): days a closed dossier keeps the citizen's name and
    # phone; the afternoon cut-off ("16:30"; "" for none); the center's own days off and the
    # làm bù Saturdays the government declares, as dates.
    personal_data_retention_days: int | None = Field(default=None, ge=0, le=3650)
    afternoon_cutoff: str | None = Field(default=None, pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d$")
    days_off: Annotated[list[date] | None, AfterValidator(_dates)] = Field(default=None, max_length=366)
    working_saturdays: Annotated[list[date] | None, AfterValidator(_saturdays)] = Field(default=None, max_length=60)


class NewCenterIn(CenterIn):
    # Short and unique: what the command line names it by (`motcua user add --center CODE`).
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
    ward_code: ApiId  # the commune or ward it serves, of server.directory's list


class DisplaySoundIn(Body):
    muted: bool
    volume: int = Field(ge=0, le=100, description="percent")
    # Ticket numbers read digit by digit (A015: "a không một năm") rather than as numbers
    # ("a mười lăm"); left out: unchanged.
    ticket_digits: bool | None = None


class CategoryIn(Body):
    prefix: str = Field(pattern=r"^[A-Z]{1,2}$")
    name_vi: Name
    name_en: Name
    # One of `pictograms()`; "" for none (the kiosk shows its "info" sign).
    pictogram: Annotated[str, AfterValidator(_pictogram)] = Field(default="", max_length=40)
    color: str = Field(default="#1565c0", pattern=r"^#[0-9a-fA-F]{6}$")
    # Opening sessions, local time: [["07:30", "11:30"], ["13:30", "17:00"]].
    sessions: Annotated[list[list[str]], AfterValidator(_sessions)] = Field(default_factory=list, max_length=6)
    daily_cap: int | None = Field(default=None, ge=1, le=9999)
    service_minutes: int = Field(default=10, ge=1, le=480)
    position: int = Field(default=0, ge=0, le=999)
    # Someone waiting longer is an alert on the leader's page and the consoles; None: never.
    wait_alert_minutes: int | None = Field(default=None, ge=1, le=480)
    active: bool = True


class ProcedureIn(Body):
    category_id: ApiId
    code: str = Field(default="", max_length=40)
    name_vi: str = Field(min_length=1, max_length=300)
    name_en: str = Field(default="", max_length=300)
    processing_days: int = Field(default=0, ge=0, le=365)


class Activity(Body):
    """Retire (False) or bring back (True) a category, counter or procedure."""

    active: bool


class CounterLinkIn(Body):
    category_id: ApiId
    weight: int = Field(default=1, ge=1, le=10)


class CounterIn(Body):
    number: int = Field(ge=1, le=999)
    name_vi: str = Field(default="", max_length=120)
    name_en: str = Field(default="", max_length=120)
    categories: list[CounterLinkIn] = Field(default_factory=list, max_length=50)  # in order of preference

    @field_validator("categories")
    @classmethod
    def _once_each(cls, value: list[CounterLinkIn]) -> list[CounterLinkIn]:
        if len({c.category_id for c in value}) != len(value):
            raise Refused("category_twice")
        return value

    @model_validator(mode="after")
    def _names(self) -> Self:
        self.name_vi = self.name_vi or f"Quầy {self.number}"
        self.name_en = self.name_en or f"Counter {self.number}"
        return self


class Password(Body):
    password: str = Field(min_length=10, max_length=256)


class UserIn(Password):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    full_name: str = Field(default="", max_length=120)
    role: Role = Role.staff


class UserUpdate(Body):
    full_name: str = Field(default="", max_length=120)
    role: Role
    active: bool


class DeviceIn(Body):
    kind: DeviceKind
    # Any text ("Kiosk sảnh chính"); also the name its printer is configured by (MOTCUA_PRINTERS).
    name: Annotated[str, AfterValidator(printable)] = Field(min_length=1, max_length=64)



class NoticeIn(Body):
    text_vi: str = Field(min_length=1, max_length=500)
    text_en: str = Field(default="", max_length=500)
    active: bool = True
    position: int = Field(default=0, ge=0, le=999)


# --- output --------------------------------------------------------------------------------------


class Division(BaseModel):
    code: int
    name: str


class CenterProfile(protocol.CenterOut):
    ward_name: str | None = None
    province_name: str | None = None
    # For dossiers: see CenterIn.
    personal_data_retention_days: int = 30
    afternoon_cutoff: str | None = None
    wait_target_minutes: int = 15  # the staffing advice's target (see CenterIn)
    days_off: list[date] = []
    working_saturdays: list[date] = []


class CategoryAdminOut(protocol.CategoryOut):
    """A category as the admin sees it, retired ones too (`active` False)."""


class ProcedureOut(BaseModel):
    id: int
    category_id: int
    code: str
    name_vi: str
    name_en: str
    processing_days: int
    active: bool


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: Role
    active: bool


class DeviceOut(BaseModel):
    id: int
    kind: DeviceKind
    name: str
    active: bool
    created_at: datetime
    last_seen_at: datetime | None
    connections: int = 0  # open event streams now (server/presence.py); 0: not connected


class DeviceCreated(DeviceOut):
    token: str  # shown once; only its hash is kept


class NoticeAdminOut(protocol.NoticeOut):
    active: bool


class Setup(BaseModel):
    """Everything the admin page edits, in one read."""

    center: CenterProfile
    categories: list[CategoryAdminOut]
    procedures: list[ProcedureOut]
    counters: list[protocol.CounterOut]
    users: list[UserOut]
    devices: list[DeviceOut]
    notices: list[NoticeAdminOut]
    pictograms: list[str]  # the names a category's pictogram may take


def _out(model: type[BaseModel], row: object) -> BaseModel:
    return model.model_validate(row, from_attributes=True)


def _profile(session: Session, center_id: int) -> CenterProfile:
    center = queue.get_center(session, center_id)
    profile = CenterProfile.model_validate(center, from_attributes=True)
    if center.ward_code is not None:
        profile.ward_name, _, profile.province_name = directory.ward(center.ward_code)
    return profile


def _category(session: Session, category: Category, now: datetime) -> CategoryAdminOut:
    center = queue.get_center(session, category.center_id)
    out = queue.category_out(session, center, category, now)
    return CategoryAdminOut(**out.model_dump())


def _rows(session: Session, model, center_id: int, *order):  # type: ignore[no-untyped-def]
    return session.execute(select(model).where(model.center_id == center_id).order_by(*order)).scalars()


# --- reading -------------------------------------------------------------------------------------


@router.get("/divisions")
def provinces(principal: AdminCenter) -> list[Division]:
    """The 34 provinces and centrally-run cities (the official list since July 2025)."""
    return [Division(code=code, name=name) for code, name in directory.provinces()]


@router.get("/divisions/{province_code}", responses=answers(404))
def wards(province_code: ApiId, principal: AdminCenter) -> list[Division]:
    """The communes, wards and special zones of a province."""
    return [Division(code=code, name=name) for code, name in directory.wards_of(province_code)]


@router.get("/centers/{center_id}", responses=answers(404))
async def setup(center_id: ApiId, request: Request, db: DbDep, now: NowDep, principal: AdminCenter) -> Setup:
    guard_center(principal, center_id)
    answer = await db.reading(lambda session: _setup(session, center_id, now))
    presence: Presence = request.app.state.presence
    for device in answer.devices:
        seen = presence.of(device.id)
        device.connections = 0 if seen is None else seen.connections
    return answer


def _setup(session: Session, center_id: int, now: datetime) -> Setup:
    profile = _profile(session, center_id)
    return Setup(
        center=profile,
        categories=[_category(session, c, now) for c in _rows(session, Category, center_id, col(Category.position), col(Category.id))],
        procedures=[_out(ProcedureOut, p) for p in _rows(session, Procedure, center_id, col(Procedure.category_id), col(Procedure.id))],  # type: ignore[misc]
        counters=[queue.counter_out(session, c) for c in _rows(session, Counter, center_id, col(Counter.number))],
        users=[_out(UserOut, u) for u in _rows(session, User, center_id, col(User.username))],  # type: ignore[misc]
        devices=[_out(DeviceOut, d) for d in _rows(session, Device, center_id, col(Device.id))],  # type: ignore[misc]
        notices=[_out(NoticeAdminOut, n) for n in _rows(session, Notice, center_id, col(Notice.position), col(Notice.id))],  # type: ignore[misc]
        pictograms=list(pictograms()),
    )


# --- center profile --------------------------------------------------------------------------------


@router.post("/centers", status_code=201, responses=BODY | answers(404, 409))
def create_center(body: NewCenterIn, request: Request, db: DbDep, now: NowDep, principal: CreateCenter) -> CenterProfile:
    """A new center at a commune or ward of the official list (a province account: of its own
    province), empty: its categories, counters, staff and devices are added as for any center,
    and its numbering starts at 1. Only an account above the centers may (a center's admin
    gets 403)."""
    province_code = directory.ward(body.ward_code)[1]
    if principal.province_code is not None and province_code != principal.province_code:
        raise Forbidden("ward_outside_province")
    fields = body.model_dump(exclude={"code", "name_vi", "name_en", "ward_code"})
    with db.write() as session:
        center = directory.new_center(session, now, body.code, body.name_vi, body.name_en, body.ward_code, **fields)
        auth.audit(session, now, principal, "admin.center.create", center.id, body.code, **body.model_dump(mode="json"))
        out = _profile(session, center.id)  # type: ignore[arg-type]
    request.app.state.principals.clear()  # its province's accounts see it now
    return out


def _keep_province(session: Session, principal: Principal, center_id: int, ward_code: int | None) -> None:
    """A center stays in its province, where that province's accounts oversee it: only an
    account of the whole server moves it to another (or takes its ward away)."""
    if principal.everywhere:
        return
    current = queue.get_center(session, center_id).province_code
    wanted = principal.province_code if principal.province_code is not None else current
    if wanted is not None and (ward_code is None or directory.ward(ward_code)[1] != wanted):
        raise Forbidden("ward_outside_province")


@router.put("/centers/{center_id}", responses=BODY | answers(404))
def update_center(center_id: ApiId, body: CenterIn, db: DbDep, now: NowDep, principal: AdminCenter) -> CenterProfile:
    guard_center(principal, center_id)
    with db.write() as session:
        _keep_province(session, principal, center_id, body.ward_code)
        directory.update_center(session, now, center_id, **body.model_dump())
        auth.audit(session, now, principal, "admin.center.update", center_id, body.name_vi, **body.model_dump(mode="json"))
        return _profile(session, center_id)


@router.put("/centers/{center_id}/display-sound", responses=BODY | answers(404))
def set_display_sound(center_id: ApiId, body: DisplaySoundIn, db: DbDep, now: NowDep, principal: AdminCenter) -> CenterProfile:
    """Mute or set the volume of the center's wall displays while they run, and whether they
    read ticket numbers digit by digit: they get it at once (a "display.sound" event with the
    center) and on every reconnect (the snapshot's center)."""
    guard_center(principal, center_id)
    with db.write() as session:
        center = queue.get_center(session, center_id)
        center.display_muted, center.display_volume = body.muted, body.volume
        if body.ticket_digits is not None:
            center.display_ticket_digits = body.ticket_digits
        queue.record(session, center_id, "display.sound", now, center=center)
        auth.audit(session, now, principal, "admin.display.sound", center_id, center.name_vi, **body.model_dump())
        return _profile(session, center_id)


# --- categories ------------------------------------------------------------------------------------


@router.post("/centers/{center_id}/categories", status_code=201, responses=BODY | answers(404, 409))
def create_category(center_id: ApiId, body: CategoryIn, db: DbDep, now: NowDep, principal: AdminCenter) -> CategoryAdminOut:
    """A new category; kiosks show it at once (a "category.updated" event)."""
    guard_center(principal, center_id)
    with db.write() as session:
        category = directory.create_category(session, now, center_id, **body.model_dump())
        auth.audit(session, now, principal, "admin.category.create", center_id, body.prefix, **body.model_dump(mode="json"))
        return _category(session, category, now)


@router.put("/categories/{category_id}", responses=BODY | answers(404, 409))
def update_category(category_id: ApiId, body: CategoryIn, db: DbDep, now: NowDep, principal: AdminCenter) -> CategoryAdminOut:
    with db.write() as session:
        guard_center(principal, queue.get_category(session, category_id).center_id)
        category = directory.update_category(session, now, category_id, **body.model_dump())
        auth.audit(session, now, principal, "admin.category.update", category.center_id, body.prefix, **body.model_dump(mode="json"))
        return _category(session, category, now)


@router.put("/categories/{category_id}/active", responses=BODY | answers(404, 409))
def set_category_active(category_id: ApiId, body: Activity, db: DbDep, now: NowDep, principal: AdminCenter) -> CategoryAdminOut:
    """Retire a category (it leaves kiosks at once; its tickets and figures stay) or bring it
    back. Refused while tickets of it wait or are being served today."""
    with db.write() as session:
        guard_center(principal, queue.get_category(session, category_id).center_id)
        category = directory.set_category_active(session, now, category_id, body.active)
        action = "admin.category.restore" if body.active else "admin.category.retire"
        auth.audit(session, now, principal, action, category.center_id, category.prefix)
        return _category(session, category, now)


# --- procedures -------------------------------------------------------------------------------------


@router.post("/centers/{center_id}/procedures", status_code=201, responses=BODY | answers(404))
def create_procedure(center_id: ApiId, body: ProcedureIn, db: DbDep, now: NowDep, principal: AdminCenter) -> ProcedureOut:
    guard_center(principal, center_id)
    with db.write() as session:
        procedure = directory.create_procedure(session, center_id, **body.model_dump())
        auth.audit(session, now, principal, "admin.procedure.create", center_id, body.name_vi, **body.model_dump())
        return _out(ProcedureOut, procedure)  # type: ignore[return-value]


def _procedure(session: Session, principal: Principal, procedure_id: int) -> Procedure:
    procedure = directory.get_procedure(session, procedure_id)
    guard_center(principal, procedure.center_id)
    return procedure


@router.put("/procedures/{procedure_id}", responses=BODY | answers(404))
def update_procedure(procedure_id: ApiId, body: ProcedureIn, db: DbDep, now: NowDep, principal: AdminCenter) -> ProcedureOut:
    with db.write() as session:
        _procedure(session, principal, procedure_id)
        procedure = directory.update_procedure(session, procedure_id, **body.model_dump())
        auth.audit(session, now, principal, "admin.procedure.update", procedure.center_id, body.name_vi, **body.model_dump())
        return _out(ProcedureOut, procedure)  # type: ignore[return-value]


@router.delete("/procedures/{procedure_id}", responses=answers(404, 409))
def delete_procedure(procedure_id: ApiId, db: DbDep, now: NowDep, principal: AdminCenter) -> ProcedureOut:
    with db.write() as session:
        _procedure(session, principal, procedure_id)
        procedure = directory.delete_procedure(session, procedure_id)
        auth.audit(session, now, principal, "admin.procedure.delete", procedure.center_id, procedure.name_vi)
        return _out(ProcedureOut, procedure)  # type: ignore[return-value]


@router.put("/procedures/{procedure_id}/active", responses=BODY | answers(404))
def set_procedure_active(procedure_id: ApiId, body: Activity, db: DbDep, now: NowDep, principal: AdminCenter) -> ProcedureOut:
    with db.write() as session:
        _procedure(session, principal, procedure_id)
        procedure = directory.set_procedure_active(session, procedure_id, body.active)
        action = "admin.procedure.restore" if body.active else "admin.procedure.retire"
        auth.audit(session, now, principal, action, procedure.center_id, procedure.name_vi)
        return _out(ProcedureOut, procedure)  # type: ignore[return-value]


# --- counters ---------------------------------------------------------------------------------------


def _links(body: CounterIn) -> list[tuple[int, int]]:
    return [(link.category_id, link.weight) for link in body.categories]


@router.post("/centers/{center_id}/counters", status_code=201, responses=BODY | answers(404, 409))
def create_counter(center_id: ApiId, body: CounterIn, db: DbDep, now: NowDep, principal: AdminCenter) -> protocol.CounterOut:
    guard_center(principal, center_id)
    with db.write() as session:
        counter = directory.create_counter(
            session, now, center_id, body.number, _links(body), name_vi=body.name_vi, name_en=body.name_en
        )
        auth.audit(session, now, principal, "admin.counter.create", center_id, f"counter {body.number}", **body.model_dump())
        return queue.counter_out(session, counter)


@router.put("/counters/{counter_id}", responses=BODY | answers(404, 409))
def update_counter(counter_id: ApiId, body: CounterIn, db: DbDep, now: NowDep, principal: AdminCenter) -> protocol.CounterOut:
    with db.write() as session:
        guard_center(principal, queue.get_counter(session, counter_id).center_id)
        counter = directory.update_counter(
            session, now, counter_id, _links(body), number=body.number, name_vi=body.name_vi, name_en=body.name_en
        )
        auth.audit(session, now, principal, "admin.counter.update", counter.center_id, f"counter {body.number}", **body.model_dump())
        return queue.counter_out(session, counter)


@router.put("/counters/{counter_id}/active", responses=BODY | answers(404, 409))
def set_counter_active(counter_id: ApiId, body: Activity, db: DbDep, now: NowDep, principal: AdminCenter) -> protocol.CounterOut:
    """Retire a counter (it leaves the wall display and the consoles' pickers; the tickets it
    served keep naming it) or bring it back. Refused while it has tickets waiting for it by
    name or in hand."""
    with db.write() as session:
        guard_center(principal, queue.get_counter(session, counter_id).center_id)
        counter = directory.set_counter_active(session, now, counter_id, body.active)
        action = "admin.counter.restore" if body.active else "admin.counter.retire"
        auth.audit(session, now, principal, action, counter.center_id, f"counter {counter.number}")
        return queue.counter_out(session, counter)


# --- staff ------------------------------------------------------------------------------------------


def _user(session: Session, principal: Principal, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", username=f"#{user_id}")
    guard_center(principal, user.center_id)  # a province account is nobody's to change here
    return user


@router.post("/centers/{center_id}/users", status_code=201, responses=BODY | answers(404, 409))
def create_user(center_id: ApiId, body: UserIn, db: DbDep, now: NowDep, principal: AdminCenter) -> UserOut:
    guard_center(principal, center_id)
    with db.write() as session:
        queue.get_center(session, center_id)
        user = auth.create_user(session, now, body.username, body.password, body.role, center_id, body.full_name)
        auth.audit(session, now, principal, "admin.user.create", center_id, body.username, role=body.role.value)
        return _out(UserOut, user)  # type: ignore[return-value]


@router.put("/users/{user_id}", responses=BODY | answers(404, 409))
def update_user(user_id: ApiId, body: UserUpdate, request: Request, db: DbDep, now: NowDep, principal: AdminCenter) -> UserOut:
    """Change a name or role, disable or enable; disabling ends the account's sessions."""
    with db.write() as session:
        user = _user(session, principal, user_id)
        if principal.kind == "user" and user.id == principal.id and (not body.active or body.role != user.role):
            raise Conflict("cannot_disable_self")
        if (body.role == Role.province) != (user.role == Role.province):
            raise Conflict("province_account")  # a center's account never becomes one, nor back
        demoted_or_disabled = body.role != user.role or not body.active
        user.full_name, user.role = body.full_name, body.role
        auth.set_active(session, user.username, body.active)
        auth.audit(session, now, principal, "admin.user.update", user.center_id, user.username, **body.model_dump(mode="json"))
        out = _out(UserOut, user)
    request.app.state.principals.clear()  # a disabled account stops now, not in a few seconds
    if demoted_or_disabled:  # and its open streams end now (a console reconnects, if still allowed)
        request.app.state.hub.revoke(("user", user_id), "session_ended")
    return out  # type: ignore[return-value]


@router.post("/users/{user_id}/password", responses=BODY | answers(404))
def reset_password(user_id: ApiId, body: Password, request: Request, db: DbDep, now: NowDep, principal: AdminCenter) -> UserOut:
    """Set a new password (tell the person by hand); the account's sessions end."""
    with db.write() as session:
        user = _user(session, principal, user_id)
        auth.set_password(session, user.username, body.password)
        auth.audit(session, now, principal, "admin.user.password", user.center_id, user.username)
        out = _out(UserOut, user)
    request.app.state.principals.clear()
    request.app.state.hub.revoke(("user", user_id), "session_ended")
    return out  # type: ignore[return-value]


# --- devices ----------------------------------------------------------------------------------------


@router.post("/centers/{center_id}/devices", status_code=201, responses=BODY | answers(404))
def create_device(center_id: ApiId, body: DeviceIn, db: DbDep, now: NowDep, principal: AdminCenter) -> DeviceCreated:
    """Register a kiosk, display or print agent; its token is in this answer and nowhere else."""
    guard_center(principal, center_id)
    with db.write() as session:
        device, token = auth.create_device(session, now, center_id, body.kind, body.name)
        auth.audit(session, now, principal, "admin.device.create", center_id, body.name, kind=body.kind.value)
        return DeviceCreated(**_out(DeviceOut, device).model_dump(), token=token)


@router.post("/devices/{device_id}/revoke", responses=answers(404))
def revoke_device(device_id: ApiId, request: Request, db: DbDep, now: NowDep, principal: AdminCenter) -> DeviceOut:
    with db.write() as session:
        device = session.get(Device, device_id)
        if device is None:
            raise NotFound("device_not_found")
        guard_center(principal, device.center_id)
        auth.revoke_device(session, device_id)
        auth.audit(session, now, principal, "admin.device.revoke", device.center_id, device.name)
        out = _out(DeviceOut, device)
    request.app.state.principals.clear()  # revoked means now
    request.app.state.hub.revoke(("device", device_id))  # and its open streams end now
    return out  # type: ignore[return-value]


# --- notices ----------------------------------------------------------------------------------------


@router.post("/centers/{center_id}/notices", status_code=201, responses=BODY | answers(404))
def create_notice(center_id: ApiId, body: NoticeIn, db: DbDep, now: NowDep, principal: AdminCenter) -> NoticeAdminOut:
    """A notice for the wall display; displays get it at once (a "notice.updated" event)."""
    guard_center(principal, center_id)
    with db.write() as session:
        notice = directory.create_notice(session, now, center_id, **body.model_dump())
        auth.audit(session, now, principal, "admin.notice.create", center_id, body.text_vi[:60])
        return _out(NoticeAdminOut, notice)  # type: ignore[return-value]


def _notice(session: Session, principal: Principal, notice_id: int) -> Notice:
    notice = directory.get_notice(session, notice_id)
    guard_center(principal, notice.center_id)
    return notice


@router.put("/notices/{notice_id}", responses=BODY | answers(404))
def update_notice(notice_id: ApiId, body: NoticeIn, db: DbDep, now: NowDep, principal: AdminCenter) -> NoticeAdminOut:
    with db.write() as session:
        _notice(session, principal, notice_id)
        notice = directory.update_notice(session, now, notice_id, **body.model_dump())
        auth.audit(session, now, principal, "admin.notice.update", notice.center_id, body.text_vi[:60])
        return _out(NoticeAdminOut, notice)  # type: ignore[return-value]


@router.delete("/notices/{notice_id}", responses=answers(404))
def delete_notice(notice_id: ApiId, db: DbDep, now: NowDep, principal: AdminCenter) -> NoticeAdminOut:
    with db.write() as session:
        _notice(session, principal, notice_id)
        notice = directory.delete_notice(session, now, notice_id)
        auth.audit(session, now, principal, "admin.notice.delete", notice.center_id, notice.text_vi[:60])
        return _out(NoticeAdminOut, notice)  # type: ignore[return-value]
