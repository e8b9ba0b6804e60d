"""Signing in and out of the browser pages (console, admin)."""

import math
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from server import auth
from server.api.answers import BODY, answers
from server.api.deps import DbDep, NowDep
from server.api.models import Body
from server.api.security import COOKIE, check_csrf, get_principal, presented_token
from server.errors import TooManyRequests, Unauthorized
from server.throttle import SignInThrottle

router = APIRouter(prefix="/auth", tags=["auth"])
KNOWN_DEVICE_COOKIE = "motcua_known"
KNOWN_DEVICE_LIFETIME = timedelta(days=365)


class SignIn(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    id: int  # a console compares it with its counter's officer
    username: str
    role: str
    center_id: int | None  # None: an account above the centers
    province_code: int | None = None  # a province account's province
    permissions: list[str]
    csrf_token: str | None


@router.post("/login", responses=BODY | answers(401, 429))
def login(body: SignIn, request: Request, response: Response, db: DbDep, now: NowDep) -> Me:
    """Sign in: sets the session cookie and returns the CSRF token the page sends with changes.

    Wrong passwords slow down further tries from the same address and at the same name
    (429 with Retry-After, a wait of seconds, never a lock-out); a browser where this person
    signed in before is spared both. A successful sign-in counts against nobody."""
    throttle: SignInThrottle = request.app.state.login_throttle
    name = auth.login_name(body.username)
    marks = request.cookies.get(KNOWN_DEVICE_COOKIE)
    device = None
    if marks:  # a browser where someone signed in before: is it this person's?
        with db.read() as session:
            known = auth.active_user(session, name)
            device = auth.known_device(marks, known) if known else None
    keys = throttle.keys(request.client.host if request.client else "-", name, device)
    if (wait := math.ceil(throttle.wait(keys))) > 0:
        raise TooManyRequests("sign_in_throttled", retry_after=wait, seconds=wait)
    with db.write() as session:
        user = auth.verify_password(session, name, body.password)
        if user is None:
            auth.audit(session, now, None, "auth.login_failed", None, name)
    if user is None:  # raised after the commit, so the failed attempt stays in the audit log
        throttle.fail(keys)
        raise Unauthorized("bad_credentials")
    with db.write() as session:
        user = session.merge(user)
        token, web = auth.start_session(session, now, user)
        principal = auth.user_principal(session, user, web.csrf_token)
        auth.audit(session, now, principal, "auth.login", user.center_id, user.username)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
    )
    response.set_cookie(  # sent to the sign-in only: it means nothing elsewhere
        KNOWN_DEVICE_COOKIE,
        auth.add_known_device(marks, user),
        max_age=int(KNOWN_DEVICE_LIFETIME.total_seconds()),
        path=request.url.path,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
    )
    return _me(principal)


@router.post("/logout", responses=answers(403))
def logout(request: Request, response: Response, db: DbDep, now: NowDep) -> dict[str, bool]:
    """Sign out: the session ends, and its open event streams close at once. From a page, with
    the session's CSRF token like any other change (another site must not sign staff out)."""
    token, from_cookie = presented_token(request)
    if token and from_cookie:
        with db.write() as session:
            principal = auth.principal_from_session(session, now, token)
            if principal is not None:  # an ended session has nothing left to protect
                check_csrf(request, principal)
            auth.end_session(session, token)
        request.app.state.principals.clear()  # signed out means now, not in a few seconds
        request.app.state.hub.revoke(("session", auth.token_hash(token)), "signed_out")
    response.delete_cookie(COOKIE)
    return {"ok": True}


@router.get("/me", responses=answers(401))
async def me(request: Request) -> Me:
    principal = await get_principal(request)
    if principal is None:
        raise Unauthorized("unauthorized")
    return _me(principal)


def _me(principal: auth.Principal) -> Me:
    return Me(
        id=principal.id,
        username=principal.name,
        role=principal.role,
        center_id=principal.center_id,
        province_code=principal.province_code,
        permissions=sorted(principal.permissions),
        csrf_token=principal.csrf_token,
    )
