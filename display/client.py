"""Follows the server's /ws/events on a background thread and hands messages to the frame loop.

pygame must stay on the main thread, so the websocket lives on its own thread
(`websockets.sync.client`), decodes each message, and puts it on a `queue.Queue` the loop drains
without blocking. Connection changes go on the same queue as `Connection` notes, in order with
the messages. After a drop it reconnects with exponential backoff and `since=<last sequence>`,
so the server replays exactly what was missed (or sends a fresh snapshot). A server that refuses
this display (a wrong or revoked token) is asked again less and less often, up to once a minute;
each change of state is logged once, not each retry.
"""

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
from websockets.sync.client import ClientConnection, connect

from server.protocol import EventOut, Snapshot, parse_message

log = logging.getLogger(__name__)

TRY_AGAIN_LATER = 1013
POLICY_VIOLATION = 1008
REFUSED_STATUS = (401, 403)  # the handshake itself turned away
SOUND_KIND = "display.sound"


@dataclass(frozen=True)
class Connection:
    """A change of connection state, queued in order with the messages."""

    connected: bool
    reason: str = ""
    # The server closed with 1008 (policy violation): a wrong or revoked token, or a center
    # the token may not see. Retrying will not help until someone fixes the settings.
    refused: bool = False


@dataclass(frozen=True)
class SoundSetting:
    """The center's display sound as staff set it on the admin page (percent volume as 0..1),
    and whether ticket numbers are read digit by digit: carried by every snapshot's center and
    by "display.sound" events."""

    muted: bool
    volume: float
    ticket_digits: bool = False


Message = Snapshot | EventOut | Connection | SoundSetting


def sound_setting(message: Snapshot | EventOut) -> SoundSetting | None:
    """The sound setting a message carries: a snapshot's (on every connect), or a change."""
    center = message.center if isinstance(message, Snapshot) or message.kind == SOUND_KIND else None
    if center is None:
        return None
    volume = max(0, min(center.display_volume, 100)) / 100
    return SoundSetting(center.display_muted, volume, center.display_ticket_digits)


def events_url(server: str, center_id: int | None, since: int | None, token: str | None) -> str:
    """`http://box:8000` (or ws://, or a full /ws/events URL) -> the websocket URL to open."""
    if "://" not in server:
        server = f"http://{server}"
    parts = urlsplit(server)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/")
    if not path.endswith("/ws/events"):
        path = f"{path}/ws/events"
    query: dict[str, Any] = {}
    if center_id is not None:
        query["center_id"] = center_id
    if since is not None:
        query["since"] = since
    if token:
        # Device tokens (issue 3) are not checked yet; sent both ways, harmless until then.
        query["token"] = token
    return urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))


class EventClient:
    def __init__(
        self,
        server: str,
        inbox: "queue.Queue[Message]",
        *,
        center_id: int | None = None,
        token: str | None = None,
        backoff_start: float = 0.5,
        backoff_max: float = 15.0,
        refused_backoff_start: float = 5.0,
        refused_backoff_max: float = 60.0,
        open_timeout: float = 5.0,
        connector: Callable[..., ClientConnection] = connect,
        sound: bool = False,
    ) -> None:
        self.server = server
        self.sound = sound  # a wall display: also hand on the center's sound setting
        self.inbox = inbox
        self.center_id = center_id
        self.token = token
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.refused_backoff_start = refused_backoff_start
        self.refused_backoff_max = refused_backoff_max
        self.open_timeout = open_timeout
        self._connect = connector
        self._stop = threading.Event()
        self._resync = threading.Event()
        self._lock = threading.Lock()
        self._ws: ClientConnection | None = None
        self._thread: threading.Thread | None = None
        self.last_seq: int | None = None  # written by the client thread only
        self.connections = 0  # successful connections, for tests and the soak bench
        self.attempts = 0  # connection attempts, successful or not
        self.state = "starting"  # connected, lost, refused: logged when it changes

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="motcua-events", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._close_socket()
        if self._thread is not None:
            self._thread.join(timeout)

    def resync(self) -> None:
        """Ask for a fresh snapshot (the loop saw a gap): drop the connection, reconnect
        without `since`."""
        self._resync.set()
        self._close_socket()

    def _close_socket(self) -> None:
        with self._lock:
            ws = self._ws
        if ws is not None:
            ws.close()

    def _run(self) -> None:
        delay = self.backoff_start
        refused_delay = self.refused_backoff_start
        while not self._stop.is_set():
            if self._resync.is_set():
                self._resync.clear()
                self.last_seq = None
            url = events_url(self.server, self.center_id, self.last_seq, self.token)
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
            reason = ""
            refused = False
            self.attempts += 1
            try:
                with self._connect(url, additional_headers=headers, open_timeout=self.open_timeout) as ws:
                    with self._lock:
                        self._ws = ws
                    if self._stop.is_set():
                        break
                    self.connections += 1
                    self.inbox.put(Connection(True))
                    delay = self.backoff_start  # a good connection resets the backoff
                    for raw in ws:
                        message = parse_message(raw)
                        if self.state != "connected":  # a message came: the server took us
                            self._set_state("connected", "")
                        self.last_seq = message.seq
                        self.inbox.put(message)
                        setting = sound_setting(message) if self.sound else None
                        if setting is not None:
                            self.inbox.put(setting)
                    reason = _close_reason(ws)
                    refused = ws.close_code == POLICY_VIOLATION
            except ConnectionClosed as exc:  # closed with an error code (1008, 1013, 1011...)
                reason = f"{type(exc).__name__}: {exc}"
                refused = exc.rcvd is not None and exc.rcvd.code == POLICY_VIOLATION
            except InvalidStatus as exc:  # the handshake was answered with an HTTP error
                reason = f"HTTP {exc.response.status_code}"
                refused = exc.response.status_code in REFUSED_STATUS
            except (OSError, WebSocketException, TimeoutError) as exc:
                if isinstance(exc, InvalidURI):
                    log.error("bad server URL %s: %s", url, exc)
                reason = f"{type(exc).__name__}: {exc}"
            except ValueError as exc:  # a message that does not parse: resync rather than guess
                reason = f"bad message: {exc}"
                self.last_seq = None
            finally:
                with self._lock:
                    self._ws = None
            if self._stop.is_set():
                break
            if self._resync.is_set():
                continue  # our own doing: reconnect at once for the snapshot, no banner
            if refused:
                # Retrying will not help until someone fixes the token: ask less and less often.
                wait, refused_delay = refused_delay, min(self.refused_backoff_max, refused_delay * 2)
                delay = self.backoff_start
            else:
                wait, delay = delay, min(self.backoff_max, delay * 2)
                refused_delay = self.refused_backoff_start
            self._set_state("refused" if refused else "lost", reason)
            self.inbox.put(Connection(False, reason, refused))
            if self._stop.wait(wait):
                break

    def _set_state(self, state: str, reason: str) -> None:
        """One log line per change of state, not one per retry (a refused display retries for
        days until someone fixes its token)."""
        if state == self.state:
            log.debug("still %s (%s)", state, reason)
            return
        self.state = state
        if state == "refused":
            log.error(
                "the server refused this display (%s): check its token and --center-id; asking again "
                "less and less often, up to every %.0fs",
                reason,
                self.refused_backoff_max,
            )
        elif state == "lost":
            log.warning("event stream lost (%s); reconnecting, up to every %.0fs", reason or "closed", self.backoff_max)
        else:
            log.info("event stream connected to %s", self.server)


def _close_reason(ws: ClientConnection) -> str:
    code = ws.close_code
    if code == TRY_AGAIN_LATER:
        return "server said we were too slow (1013)"
    return f"closed ({code} {ws.close_reason or ''})".strip()

