"""Domain errors: raised by the queue domain, mapped to HTTP once, in server.app."""

from server.messages import Message, render


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.message: Message = render(code, **values)
        super().__init__(self.message["en"])


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request is valid but the queue's state does not allow it now."""

    status = 409


class Unauthorized(DomainError):
    """Nobody signed in, or a token that is unknown, revoked or expired."""

    status = 401


class Forbidden(DomainError):
    status = 403


class TooManyRequests(DomainError):
    status = 429

    def __init__(self, code: str = "too_many_requests", retry_after: int = 60, **values: object) -> None:
        self.retry_after = retry_after
        super().__init__(code, **values)


class ServiceBusy(DomainError):
    """The server is saturated: answered at once with 503 and Retry-After, not after a queue."""

    status = 503

    def __init__(self, code: str = "server_busy", retry_after: int = 1, **values: object) -> None:
        self.retry_after = retry_after
        super().__init__(code, **values)


class DatabaseUnavailable(ServiceBusy):
    """The database cannot serve the request now: its lock held by another program past the
    short wait, the disk full, the file read-only, an I/O error. 503 with the reason; nothing
    of the request was saved, and the next request tries again (server.db)."""
