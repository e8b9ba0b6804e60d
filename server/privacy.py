"""Personal data stays with staff.

A ticket's note (typed at the entrance desk or with a transfer) is free text that likely holds
the citizen's name, phone or circumstances; a dossier and a rating belong to the case. Staff
(signed-in users of any role) read them; devices (kiosks, wall displays, print agents, rating
screens) stand where the public sees their screens and get what they show: the queue without
notes, and dossier and rating events reduced to their kind and sequence (protocol `public()`).
Public pages read their own narrower models (TicketStatus, DossierStatus) and /ws/status says
only that the queue moved.
"""

from typing import Protocol, TypeVar

from server.auth import Principal


class _Redactable(Protocol):
    def public(self): ...  # type: ignore[no-untyped-def]


M = TypeVar("M", bound=_Redactable)


def is_staff(principal: Principal) -> bool:
    """Whether this caller may read notes, dossiers and ratings: a signed-in user."""
    return principal.kind == "user"


def shown_to(principal: Principal, message: M) -> M:
    """`message` as this caller may have it."""
    return message if is_staff(principal) else message.public()
