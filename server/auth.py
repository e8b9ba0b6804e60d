"""Who may do what: staff accounts (argon2), browser sessions, device tokens, permissions, audit.

Plain functions over a session, like the queue domain; the HTTP side is server/api/security.py.
"""

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select
from sqlmodel import Session

from server.direct import Direct
from server.errors import Conflict, NotFound
from server.queue import fetch
from server.models import AuditEntry, Center, Device, DeviceKind, Role, User, WebSession

SESSION_LIFETIME = timedelta(hours=12)  # one working day; staff sign in each morning
_hasher = PasswordHasher()


class Permission(StrEnum):
    queue_read = "queue.read"  # the queue snapshot, the event stream
    ticket_issue = "ticket.issue"  # kiosk and entrance desk
    counter_operate = "counter.operate"  # call, recall, start, complete, no-show, transfer, pause
    center_admin = "center.admin"  # categories, counters, staff, devices, notices
    center_create = "center.create"  # a new center: accounts above the centers only (Principal)
    audit_read = "audit.read"
    print_agent = "print.agent"  # receive print jobs
    rating_record = "rating.record"  # record a citizen's rating at the counter that served them


_STAFF = {Permission.queue_read, Permission.ticket_issue, Permission.counter_operate, Permission.rating_record}
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.staff: frozenset(_STAFF),
    Role.leader: frozenset(_STAFF | {Permission.audit_read}),
    Role.admin: frozenset(set(Permission) - {Permission.print_agent}),
    # The same as an admin, over the centers of its province (Principal.sees).
    Role.province: frozenset(set(Permission) - {Permission.print_agent}),
    DeviceKind.kiosk: frozenset({Permission.queue_read, Permission.ticket_issue}),
    DeviceKind.display: frozenset({Permission.queue_read}),
    DeviceKind.print_agent: frozenset({Permission.queue_read, Permission.print_agent}),
    DeviceKind.rating: frozenset({Permission.queue_read, Permission.rating_record}),
}


@dataclass(frozen=True)
class Principal:
    """Whoever makes a request: a signed-in user or a registered device."""

    kind: str  # "user" or "device"
    id: int
    name: str
    role: str  # a Role for users, a DeviceKind for devices
    center_id: int | None  # None: an account above the centers (see `centers`)
    csrf_token: str | None = None  # set when authenticated by a browser session cookie
    province_code: int | None = None  # a province account's province
    # The centers an account above the centers sees: those of its province, as they were
    # when its token was looked up (server/api/security.py remembers that a few seconds; a
    # new center empties the cache). None with `center_id` None: every center (the server's
    # first admin, or one made with `motcua user add` without --center).
    centers: frozenset[int] | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        granted = ROLE_PERMISSIONS[self.role]
        if Permission.center_create in granted and self.center_id is not None:
            # A center's own admin sets up that center, and never makes another.
            return granted - {Permission.center_create}
        return granted

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def sees(self, center_id: int | None) -> bool:
        if self.center_id is not None:
            return self.center_id == center_id
        return self.centers is None or center_id in self.centers

    @property
    def everywhere(self) -> bool:
        """Sees every center of the server, whatever province."""
        return self.center_id is None and self.centers is None

    def without_csrf(self) -> "Principal":
        return replace(self, csrf_token=None)


def token_hash(token: str) -> str:
    # Tokens are 32 random bytes: a fast hash is enough, and lookups stay indexed.
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- users -----------------------------------------------------------------------------------


def find_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound("user_not_found", username=username)
    return user


def create_user(
    session: Session,
    now: datetime,
    username: str,
    password: str,
    role: Role,
    center_id: int | None,
    full_name: str = "",
    province_code: int | None = None,
) -> User:
    """A new account: of a center, or a province account (role province, `province_code` of
    the official list, no center), or one of the whole server (neither)."""
    if (role == Role.province) != (province_code is not None) or (province_code is not None and center_id is not None):
        raise Conflict("province_account")
    if session.execute(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict("user_exists", username=username)
    user = User(
        username=username,
        full_name=full_name,
        password_hash=_hasher.hash(password),
        role=role,
        center_id=center_id,
        province_code=province_code,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    user = find_user(session, username)
    user.password_hash = _hasher.hash(password)
    _end_sessions(session, user)
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    user = find_user(session, username)
    user.active = active
    if not active:
        _end_sessions(session, user)
    return user


def _end_sessions(session: Session, user: User) -> None:
    for web in session.execute(select(WebSession).where(WebSession.user_id == user.id)).scalars():
        session.delete(web)


def ensure_first_admin(session: Session, now: datetime) -> str | None:
    """On the very first start, an `admin` account with a random password, returned once to
    be printed. No account exists with a default password, ever."""
    if session.execute(select(User.id).limit(1)).first() is not None:
        return None
    password = secrets.token_urlsafe(12)
    create_user(session, now, "admin", password, Role.admin, center_id=None, full_name="Quản trị")
    return password


def login_name(typed: str) -> str:
    """The name a sign-in looks up, as typed (case counts, as in the database) but in one
    Unicode form: the throttle counts failures under this same name, so "ADMIN" slows down
    guesses at "ADMIN", never at "admin"."""
    return unicodedata.normalize("NFC", typed.strip())


def active_user(session: Session, name: str) -> User | None:
    user = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
    return user if user is not None and user.active else None


def verify_password(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None (the same answer for every kind of miss)."""
    user = active_user(session, login_name(username))
    if user is None:
        _hasher.hash(password)  # spend the same time as a real check: no user enumeration
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


# --- known devices ---------------------------------------------------------------------------
# A browser where someone signed in keeps a mark for them (a cookie sent only to the sign-in),
# and a marked browser is spared the throttle on their name (server/api/session.py): a guesser
# elsewhere cannot keep the officer out. A mark is an HMAC keyed by the account's password hash:
# no server secret to keep or lose, valid across restarts, void once the password changes.

KNOWN_DEVICE_MARKS = 8  # accounts remembered per browser (a counter PC shared by a shift)


def _mark_mac(user: User, nonce: str) -> str:
    key = hashlib.sha256(b"motcua known device\0" + user.password_hash.encode()).digest()
    return hmac.new(key, f"{user.id}.{nonce}".encode(), "sha256").hexdigest()[:32]


def known_device(marks: str | None, user: User) -> str | None:
    """The id of this user's valid mark among a browser's `marks`, or None."""
    for mark in (marks or "").split("~")[:KNOWN_DEVICE_MARKS]:
        uid, _, rest = mark.partition(".")
        nonce, _, mac = rest.partition(".")
        if uid == str(user.id) and nonce and hmac.compare_digest(mac, _mark_mac(user, nonce)):
            return nonce
    return None


def add_known_device(marks: str | None, user: User) -> str:
    """The browser's marks with a fresh one for `user` first (the oldest dropped past the few kept)."""
    nonce = secrets.token_urlsafe(12)
    others = [m for m in (marks or "").split("~") if m and m.partition(".")[0] != str(user.id)]
    return "~".join([f"{user.id}.{nonce}.{_mark_mac(user, nonce)}", *others][:KNOWN_DEVICE_MARKS])


# --- browser sessions ------------------------------------------------------------------------


def start_session(session: Session, now: datetime, user: User) -> tuple[str, WebSession]:
    """A new session: (the cookie's value, the row holding its hash and CSRF token)."""
    token = new_secret()
    web = WebSession(
        token_hash=token_hash(token),
        csrf_token=secrets.token_urlsafe(24),
        user_id=user.id,  # type: ignore[arg-type]
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(web)
    session.flush()
    return token, web


def end_session(session: Session, token: str) -> None:
    web = session.execute(select(WebSession).where(WebSession.token_hash == token_hash(token))).scalar_one_or_none()
    if web is not None:
        session.delete(web)


def province_centers(session: Session, province_code: int) -> frozenset[int]:
    """The centers of a province (by the index on center.province_code)."""
    return frozenset(session.execute(select(Center.id).where(Center.province_code == province_code)).scalars())


def user_principal(session: Session, user: User, csrf_token: str | None = None) -> Principal:
    centers = None
    if user.center_id is None and user.province_code is not None:
        centers = province_centers(session, user.province_code)
    return Principal(
        "user", user.id, user.username, user.role, user.center_id, csrf_token, user.province_code, centers  # type: ignore[arg-type]
    )


def principal_from_session(session: Session, now: datetime, token: str) -> Principal | None:
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    web, user = row
    if web.expires_at <= now or not user.active:
        return None
    return user_principal(session, user, web.csrf_token)


# --- devices ---------------------------------------------------------------------------------


def create_device(session: Session, now: datetime, center_id: int, kind: DeviceKind, name: str) -> tuple[Device, str]:
    """A registered device and its token, shown once (only its hash is stored)."""
    fetch(session, Center, center_id, "center_not_found")
    token = new_secret()
    device = Device(center_id=center_id, kind=kind, name=name, token_hash=token_hash(token), created_at=now)
    session.add(device)
    session.flush()
    return device, token


def revoke_device(session: Session, device_id: int) -> Device:
    device = fetch(session, Device, device_id, "device_not_found")
    device.active = False
    return device


def principal_from_device_token(session: Session, token: str) -> Principal | None:
    device = session.execute(
        select(Device).where(Device.token_hash == token_hash(token)).where(Device.active == True)  # noqa: E712
    ).scalar_one_or_none()
    if device is None:
        return None
    return Principal("device", device.id, device.name, device.kind, device.center_id)  # type: ignore[arg-type]


# --- audit -----------------------------------------------------------------------------------


_INSERT_AUDIT = Direct(
    insert(AuditEntry.__table__),  # type: ignore[attr-defined]
    column_keys=["center_id", "actor", "action", "target", "at", "detail"],
)


def audit(
    session: Session,
    now: datetime,
    principal: Principal | None,
    action: str,
    center_id: int | None,
    target: str = "",
    **detail: object,
) -> None:
    """Record who did what, when, in the same transaction as the change itself."""
    # Straight to the driver: issuing at the entrance desk audits every ticket, and the
    # ORM's unit of work would cost more than the issue itself.
    _INSERT_AUDIT.execute(
        session,
        center_id=center_id,
        actor=principal.actor if principal else "system",
        action=action,
        target=target,
        at=now,
        detail=detail,
    )
