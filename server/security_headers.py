"""Security headers on every HTTP answer: what a browser must not do with our pages.

- `X-Content-Type-Options: nosniff`: a JSON answer or an uploaded-looking file is never run
  as a script or a page.
- `Referrer-Policy: same-origin`: a status page's address holds the ticket's token; it never
  leaves in a Referer. (Not `no-referrer`: same-origin requests keep their Origin header,
  which the sign-in and websocket checks read.)
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no other site frames the kiosk or
  a status page to trick a tap.
- A Content-Security-Policy on HTML pages: scripts, styles, fonts, images, sounds and
  connections from this server only, no inline script or style attribute (the pages keep
  theirs in files; colours set from code go through the CSSOM). A page that needs more says
  so with its own header, which is kept (/docs: the hash of its one inline script).

A plain ASGI middleware, not Starlette's BaseHTTPMiddleware: it only appends a few constant
headers to the response's start message, so issuing a ticket costs the same.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",  # the pages' empty favicon (data:); charts the leader fetched (blob:)
        "font-src 'self'",
        "connect-src 'self'",  # REST and the websockets of this same host
        "media-src 'self'",  # the kiosk's voice clips
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
_CSP = b"content-security-policy"
_PAGE = (_CSP, PAGE_POLICY.encode())


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` (a response's raw ones) with those above that it does not set itself."""
    headers = headers if isinstance(headers, list) else list(headers)
    present = set()
    page = False
    for name, value in headers:
        name = name.lower()
        present.add(name)
        if name == b"content-type" and value.startswith(b"text/html"):
            page = True
    headers.extend(header for header in _ALWAYS if header[0] not in present)
    if page and _CSP not in present:
        headers.append(_PAGE)
    return headers
