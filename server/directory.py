"""Setting a center up: the center, its categories, counters and procedures.

Plain functions over a session, used by the demo seed, the admin and the tests alike. The
admin's changes (below) record an event, so kiosks and displays follow them live.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from server import queue
from server.collation import vi_key
from server.errors import Conflict, NotFound
from server.models import ACTIVE_STATES, Category, Center, Counter, CounterCategory, Dossier, Notice, Procedure, Ticket


def create_center(session: Session, code: str, name_vi: str, name_en: str, **fields: object) -> Center:
    center = Center(code=code, name_vi=name_vi, name_en=name_en, **fields)  # type: ignore[arg-type]
    session.add(center)
    session.flush()
    return center


def add_category(
    session: Session, center: Center, prefix: str, name_vi: str, name_en: str, **fields: object
) -> Category:
    category = Category(center_id=center.id, prefix=prefix, name_vi=name_vi, name_en=name_en, **fields)  # type: ignore[arg-type]
    session.add(category)
    session.flush()
    return category


def add_counter(
    session: Session,
    center: Center,
    number: int,
    categories: Sequence[Category | tuple[Category, int]],
    **fields: object,
) -> Counter:
    """A counter serving `categories` in that order of preference; a (category, weight) pair
    makes that category's waits count `weight` times."""
    fields.setdefault("name_vi", f"Quầy {number}")
    fields.setdefault("name_en", f"Counter {number}")
    counter = Counter(center_id=center.id, number=number, **fields)  # type: ignore[arg-type]
    session.add(counter)
    session.flush()
    for position, entry in enumerate(categories):
        category, weight = entry if isinstance(entry, tuple) else (entry, 1)
        session.add(
            CounterCategory(counter_id=counter.id, category_id=category.id, position=position, weight=weight)  # type: ignore[arg-type]
        )
    session.flush()
    return counter


def add_procedure(
    session: Session, category: Category, name_vi: str, name_en: str, processing_days: int = 0, code: str = ""
) -> Procedure:
    procedure = Procedure(
        center_id=category.center_id,
        category_id=category.id,  # type: ignore[arg-type]
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        processing_days=processing_days,
    )
    session.add(procedure)
    session.flush()
    return procedure


# --- the admin's changes: each one tells kiosks and displays with an event ---------------------


def ward(code: int) -> tuple[str, int, str]:
    """(ward name, province code, province name) of a commune or ward in the official
    post-2025 list; NotFound for a code that is not in it."""
    from vietnam_provinces import Province, Ward

    try:
        unit = Ward.from_code(code)  # type: ignore[arg-type]
    except ValueError:
        raise NotFound("ward_not_found") from None
    province = Province.from_code(unit.province_code)
    return unit.name, int(unit.province_code), province.name


def province_name(code: int) -> str:
    """The name of a province of the official list; NotFound for a code not in it."""
    from vietnam_provinces import Province

    try:
        return Province.from_code(code).name  # type: ignore[arg-type]
    except ValueError:
        raise NotFound("province_not_found") from None


def provinces() -> list[tuple[int, str]]:
    """Every province and centrally-run city (34 since July 2025): (code, name), in Vietnamese
    alphabetical order."""
    from vietnam_provinces import Province

    return sorted(((int(p.code), p.name) for p in Province.iter_all()), key=lambda p: vi_key(p[1]))


def wards_of(province_code: int) -> list[tuple[int, str]]:
    """The communes, wards and special zones of a province: (code, name), in Vietnamese
    alphabetical order (Đống Đa after Dịch Vọng, not after Yên Hoà)."""
    from vietnam_provinces import Province, Ward

    try:
        province = Province.from_code(province_code)  # type: ignore[arg-type]
    except ValueError:
        raise NotFound("ward_not_found") from None
    return sorted(((int(w.code), w.name) for w in Ward.iter_by_province(province.code)), key=lambda w: vi_key(w[1]))


def new_center(session: Session, now: datetime, code: str, name_vi: str, name_en: str, ward_code: int, **fields: object) -> Center:
    """A new center serving a commune or ward of the official list, with nothing in it yet: its
    categories, counters, staff and devices are added like any center's, and its numbers and
    event sequence start from 1 (every number is kept per center)."""
    if session.execute(select(Center.id).where(Center.code == code)).first() is not None:
        raise Conflict("center_code_taken", center=code)
    center = create_center(session, code, name_vi, name_en)
    return update_center(session, now, center.id, ward_code=ward_code, **fields)  # type: ignore[arg-type]


def update_center(session: Session, now: datetime, center_id: int, **fields: object) -> Center:
    center = queue.get_center(session, center_id)
    # Settings left out stay as they are.
    for name in ("observe_public_holidays", "personal_data_retention_days", "afternoon_cutoff", "days_off", "working_saturdays", "wait_target_minutes"):
        if fields.get(name) is None:
            fields.pop(name, None)
    if "afternoon_cutoff" in fields:
        fields["afternoon_cutoff"] = fields["afternoon_cutoff"] or None  # "": no cut-off
    for name in ("days_off", "working_saturdays"):
        if name in fields:
            fields[name] = [day.isoformat() for day in fields[name]]  # type: ignore[attr-defined]
    ward_code = fields.pop("ward_code", center.ward_code)
    center.province_code = ward(ward_code)[1] if ward_code is not None else None  # type: ignore[arg-type]
    center.ward_code = ward_code  # type: ignore[assignment]
    for name, value in fields.items():
        setattr(center, name, value)
    queue.record(session, center.id, "center.updated", now, center=center)  # type: ignore[arg-type]
    return center


def _prefix_free(session: Session, center_id: int, prefix: str, category_id: int | None = None) -> None:
    taken = session.execute(
        select(Category.id).where(Category.center_id == center_id).where(Category.prefix == prefix)
    ).scalar_one_or_none()
    if taken is not None and taken != category_id:
        raise Conflict("category_prefix_taken", prefix=prefix)


def _category_changed(session: Session, now: datetime, category: Category) -> None:
    center = queue.get_center(session, category.center_id)
    queue.record(
        session, center.id, "category.updated", now, categories=[queue.category_out(session, center, category, now)]  # type: ignore[arg-type]
    )


def create_category(session: Session, now: datetime, center_id: int, **fields: object) -> Category:
    center = queue.get_center(session, center_id)
    _prefix_free(session, center_id, fields["prefix"])  # type: ignore[arg-type]
    category = add_category(session, center, **fields)  # type: ignore[arg-type]
    _category_changed(session, now, category)
    return category


def update_category(session: Session, now: datetime, category_id: int, **fields: object) -> Category:
    category = queue.get_category(session, category_id)
    if fields.get("active") is False:
        _may_retire_category(session, now, category)
    if "prefix" in fields:
        _prefix_free(session, category.center_id, fields["prefix"], category.id)  # type: ignore[arg-type]
    for name, value in fields.items():
        setattr(category, name, value)
    session.flush()
    _category_changed(session, now, category)
    return category


# --- retiring: hidden from kiosks, displays and consoles, kept for the tickets that name it ------
#
# Tickets still waiting or being served today keep a category or counter from being retired:
# the admin is told how many, to serve or transfer them first. Allowing it instead would leave
# citizens holding numbers of a queue nobody shows (a retired counter's named tickets could not
# even be called), and the day's figures would name a place nobody can see.


def _unfinished(session: Session, now: datetime, center_id: int, *where: object) -> int:
    """Today's tickets of a center still waiting, called or being served, matching `where`."""
    day = queue.service_day(queue.get_center(session, center_id), now)
    return session.execute(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.center_id == center_id, Ticket.service_day == day, col(Ticket.state).in_(ACTIVE_STATES), *where)
    ).scalar_one()


def _may_retire_category(session: Session, now: datetime, category: Category) -> None:
    count = _unfinished(session, now, category.center_id, Ticket.category_id == category.id)
    if category.active and count:
        raise Conflict("category_has_tickets", name_vi=category.name_vi, name_en=category.name_en, count=count)


def set_category_active(session: Session, now: datetime, category_id: int, active: bool) -> Category:
    """Retire a category (off every kiosk at once, issuing refused) or bring it back."""
    category = queue.get_category(session, category_id)
    if not active:
        _may_retire_category(session, now, category)
    category.active = active
    session.flush()
    _category_changed(session, now, category)
    return category


def set_counter_active(session: Session, now: datetime, counter_id: int, active: bool) -> Counter:
    """Retire a counter (off the wall display and the consoles' pickers) or bring it back."""
    counter = queue.get_counter(session, counter_id)
    if counter.active and not active:
        mine = or_(Ticket.counter_id == counter.id, Ticket.target_counter_id == counter.id)
        count = _unfinished(session, now, counter.center_id, mine)
        if count:
            raise Conflict("counter_has_tickets", number=counter.number, count=count)
    counter.active = active
    session.flush()
    queue.record(session, counter.center_id, "counter.updated", now, counter=counter)
    return counter


def set_procedure_active(session: Session, procedure_id: int, active: bool) -> Procedure:
    procedure = get_procedure(session, procedure_id)
    procedure.active = active
    session.flush()
    return procedure


def _link_categories(session: Session, counter: Counter, categories: Sequence[tuple[int, int]]) -> None:
    """Serve these (category id, weight) in this order of preference, instead of any before."""
    for link in queue.counter_links(session, counter):
        session.delete(link)
    session.flush()
    for position, (category_id, weight) in enumerate(categories):
        if queue.get_category(session, category_id).center_id != counter.center_id:
            raise NotFound("category_not_found")
        session.add(CounterCategory(counter_id=counter.id, category_id=category_id, position=position, weight=weight))  # type: ignore[arg-type]
    session.flush()


def _number_free(session: Session, center_id: int, number: int, counter_id: int | None = None) -> None:
    taken = session.execute(
        select(Counter.id).where(Counter.center_id == center_id).where(Counter.number == number)
    ).scalar_one_or_none()
    if taken is not None and taken != counter_id:
        raise Conflict("counter_number_taken", number=number)


def create_counter(
    session: Session, now: datetime, center_id: int, number: int, categories: Sequence[tuple[int, int]], **fields: object
) -> Counter:
    center = queue.get_center(session, center_id)
    _number_free(session, center_id, number)
    counter = add_counter(session, center, number, [], **fields)
    _link_categories(session, counter, categories)
    queue.record(session, center_id, "counter.updated", now, counter=counter)
    return counter


def update_counter(
    session: Session, now: datetime, counter_id: int, categories: Sequence[tuple[int, int]] | None = None, **fields: object
) -> Counter:
    counter = queue.get_counter(session, counter_id)
    if "number" in fields:
        _number_free(session, counter.center_id, fields["number"], counter.id)  # type: ignore[arg-type]
    for name, value in fields.items():
        setattr(counter, name, value)
    if categories is not None:
        _link_categories(session, counter, categories)
    session.flush()
    queue.record(session, counter.center_id, "counter.updated", now, counter=counter)
    return counter


def get_procedure(session: Session, procedure_id: int) -> Procedure:
    return queue.fetch(session, Procedure, procedure_id, "procedure_not_found")


def create_procedure(session: Session, center_id: int, category_id: int, **fields: object) -> Procedure:
    category = queue.get_category(session, category_id)
    if category.center_id != center_id:
        raise NotFound("category_not_found")
    return add_procedure(session, category, **fields)  # type: ignore[arg-type]


def update_procedure(session: Session, procedure_id: int, **fields: object) -> Procedure:
    procedure = get_procedure(session, procedure_id)
    if "category_id" in fields and queue.get_category(session, fields["category_id"]).center_id != procedure.center_id:  # type: ignore[arg-type]
        raise NotFound("category_not_found")
    for name, value in fields.items():
        setattr(procedure, name, value)
    session.flush()
    return procedure


def delete_procedure(session: Session, procedure_id: int) -> Procedure:
    """Remove a procedure set up by mistake. One that dossiers name stays (they keep their
    history): retire it instead."""
    procedure = get_procedure(session, procedure_id)
    count = session.execute(select(func.count()).select_from(Dossier).where(Dossier.procedure_id == procedure_id)).scalar_one()
    if count:
        raise Conflict("procedure_has_dossiers", name_vi=procedure.name_vi, name_en=procedure.name_en or procedure.name_vi, count=count)
    session.delete(procedure)
    session.flush()
    return procedure


def get_notice(session: Session, notice_id: int) -> Notice:
    return queue.fetch(session, Notice, notice_id, "notice_not_found")


def _notices_changed(session: Session, now: datetime, center_id: int) -> None:
    session.flush()
    queue.record(session, center_id, "notice.updated", now, notices=queue.active_notices(session, center_id))


def create_notice(session: Session, now: datetime, center_id: int, **fields: object) -> Notice:
    queue.get_center(session, center_id)
    notice = Notice(center_id=center_id, **fields)  # type: ignore[arg-type]
    session.add(notice)
    _notices_changed(session, now, center_id)
    return notice


def update_notice(session: Session, now: datetime, notice_id: int, **fields: object) -> Notice:
    notice = get_notice(session, notice_id)
    for name, value in fields.items():
        setattr(notice, name, value)
    _notices_changed(session, now, notice.center_id)
    return notice


def delete_notice(session: Session, now: datetime, notice_id: int) -> Notice:
    notice = get_notice(session, notice_id)
    session.delete(notice)
    _notices_changed(session, now, notice.center_id)
    return notice
