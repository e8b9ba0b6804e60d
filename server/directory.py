"""Setting a center up: the center, its categories, counters and procedures.

Plain functions over a session, used by the demo seed, the admin and the tests alike.
"""

from collections.abc import Sequence

from sqlmodel import Session

from server.models import Category, Center, Counter, CounterCategory, Procedure


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
