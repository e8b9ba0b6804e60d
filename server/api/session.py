"""Signing in and out of the browser pages (console, admin)."""

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from server import auth
from server.api.answers import BODY, answers
from server.api.deps import DbDep, NowDep
from server.api.models import Body
from server.api.security import COOKIE, get_principal, presented_token
from server.errors import Unauthorized

router = APIRouter(prefix="/auth", tags=["auth"])


class SignIn(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    id: int  # a console compares it with its counter's officer
    username: str
    role: str
    center_id: int | None
    permissions: list[str]
    csrf_token: str | None


@router.post("/login", responses=BODY | answers(401, 429))
def login(body: SignIn, request: Request, response: Response, db: DbDep, now: NowDep) -> Me:
    """Sign in: sets the session cookie and returns the CSRF token the page sends with changes."""
    limiter = request.app.state.login_limiter
    limiter.hit(f"user:{body.username.lower()}")
    limiter.hit(f"addr:{request.client.host if request.client else '-'}")
    with db.write() as session:
        user = auth.verify_password(session, body.username, body.password)
        if user is None:
            auth.audit(session, now, None, "auth.login_failed", None, body.username)
    if user is None:  # raised after the commit, so the failed attempt stays in the audit log
        raise Unauthorized("bad_credentials")
    with db.write() as session:
        user = session.merge(user)
        token, web = auth.start_session(session, now, user)
        principal = auth.user_principal(user, web.csrf_token)
        auth.audit(session, now, principal, "auth.login", user.center_id, user.username)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
    )
    return _me(principal)


@router.post("/logout")
def logout(request: Request, response: Response, db: DbDep) -> dict[str, bool]:
    token, from_cookie = presented_token(request)
    if token and from_cookie:
        with db.write() as session:
            auth.end_session(session, token)
        request.app.state.principals.clear()  # signed out means now, not in a few seconds
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
        permissions=sorted(principal.permissions),
        csrf_token=principal.csrf_token,
    )
