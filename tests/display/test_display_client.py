"""The display against a real `motcua serve` that dies and comes back on the same database and
port, with a call made while the display was cut off."""

import json
import logging
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pygame
import pytest
from server_process import ServerProcess as LiveServer
from test_display_voice import FakeChannel, FakeClock, fake_library, run_until_quiet
from websockets.sync.client import connect

from display.app import DisplayApp, DisplayConfig
from display.board import COLORS
from display.client import Connection, EventClient, Message, events_url
from display.fonts import Fonts
from display.layout import compute_layout
from display.voice import Announcer, VoiceLibrary, clip_sequence
from server.protocol import EventOut, Snapshot

WAIT = 30.0  # seconds; generous for a loaded CI machine, reached only on failure


def test_events_url() -> None:
    assert events_url("http://box:8000", None, None, None) == "ws://box:8000/ws/events"
    assert events_url("https://box", 2, 17, "t0k") == "wss://box/ws/events?center_id=2&since=17&token=t0k"
    assert events_url("box:8000/", 1, 0, "") == "ws://box:8000/ws/events?center_id=1&since=0"
    assert events_url("ws://box:8000/ws/events", None, 5, None) == "ws://box:8000/ws/events?since=5"


class Gate:
    """A connector that opens real websockets, but only while the test lets it: so the test knows
    the display is cut off while it makes a call."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.open.set()
        self.urls: list[str] = []
        self.headers: list[dict[str, str] | None] = []
        self.opened: list = []

    def __call__(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        assert self.open.wait(WAIT), "the test never reopened the gate"
        self.urls.append(url)
        self.headers.append(kwargs.get("additional_headers"))
        self.opened.append(connect(url, **kwargs))
        return self.opened[-1]

    def cut(self) -> None:
        """The network goes: the open connection dies under the client (its socket shut down,
        as a pulled cable would), and no new one opens until `open` is set again."""
        self.open.clear()
        self.opened[-1].socket.shutdown(socket.SHUT_RDWR)


class Harness:
    """A DisplayApp fed by a real EventClient; every message passes through `pump` so the test
    can wait on it (with a timeout) and then step the app, the way the frame loop would."""

    def __init__(self, server: LiveServer, fonts: Fonts, tmp_path: Path, library: VoiceLibrary | None = None) -> None:
        self.gate = Gate()
        self.wire: queue.Queue[Message] = queue.Queue()
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.seen: list[Message] = []
        self.client = EventClient(
            server.url, self.wire, token=server.display_token, backoff_start=0.05, backoff_max=0.2, connector=self.gate,
            sound=True,  # as `motcua display` runs it: the center's display settings too
        )
        self.surface = pygame.Surface((1920, 1080))
        self.clock = FakeClock()
        self.channel = FakeChannel(self.clock)
        announcer = Announcer(library or fake_library(tmp_path), self.channel, repeat=1 if library is None else 2, clock=self.clock)
        # How far the display's wall clock is ahead of the server's: a test moves it to play a
        # display that comes back long after the calls it missed.
        self.ahead = timedelta(0)
        self.app = DisplayApp(
            lambda: self.surface, self.inbox, fonts, announcer, DisplayConfig(notice="Ngắn"),
            on_resync=self.client.resync, wall_clock=lambda: datetime.now(UTC) + self.ahead,
        )  # fmt: skip
        self.client.start()

    def pump(self, done: Callable[[], bool]) -> None:
        deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
        while not done():
            remaining = (deadline - datetime.now(UTC)).total_seconds()
            assert remaining > 0, f"timed out; seen: {[type(m).__name__ for m in self.seen]}"
            try:
                message = self.wire.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(message)
            self.inbox.put(message)
            self.app.step()

    def catch_up(self, done: Callable[[], bool]) -> None:
        """Like `pump`, but one frame for whatever has arrived, as the frame loop drains its
        inbox: a day's thousands of events are not a thousand frames."""
        deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
        while not done():
            remaining = (deadline - datetime.now(UTC)).total_seconds()
            assert remaining > 0, f"timed out; seen: {[type(m).__name__ for m in self.seen[-5:]]}"
            try:
                batch = [self.wire.get(timeout=remaining)]
                while not self.wire.empty():
                    batch.append(self.wire.get_nowait())
            except queue.Empty:
                continue
            self.seen.extend(batch)
            for message in batch:
                self.inbox.put(message)
            self.app.step()

    def latest(self) -> str | None:
        """The newest call the display knows (the big number may show an older one being read)."""
        return self.app.follower.latest.label if self.app.follower.latest else None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "center.db").start()
    live.display_token = live.token("display")  # type: ignore[attr-defined]
    # Counters 1 and 2 each have their officer (one officer per counter), signed in to it first.
    live.officers = {n: live.token("staff") for n in (1, 2)}  # type: ignore[attr-defined]
    for number, token in live.officers.items():  # type: ignore[attr-defined]
        claimed = httpx.post(f"{live.url}/api/v1/counters/{number}/claim", headers={"Authorization": f"Bearer {token}"}, timeout=WAIT)
        assert claimed.status_code == 200, claimed.text
    yield live
    live.stop()


def issue_and_call(server: LiveServer, counter_id: int = 1) -> str:
    headers = {"Authorization": f"Bearer {server.officers[counter_id]}"}  # type: ignore[attr-defined]
    with httpx.Client(base_url=server.url, timeout=WAIT, headers=headers) as http:
        assert http.post("/api/v1/tickets", json={"category_id": 1}).status_code == 201
        response = http.post(f"/api/v1/counters/{counter_id}/call-next")
        assert response.status_code == 200, response.text
        return response.json()["label"]


def test_reconnects_after_a_restart_and_shows_the_call_it_missed(
    server: LiveServer, fonts: Fonts, tmp_path: Path, artefacts: Path
) -> None:
    harness = Harness(server, fonts, tmp_path)
    try:
        harness.pump(lambda: harness.app.connected and harness.app.view.synced)
        assert isinstance(harness.seen[1], Snapshot)
        first = issue_and_call(server)
        harness.pump(lambda: harness.latest() == first)
        token = server.display_token  # type: ignore[attr-defined]
        assert harness.gate.headers[0] == {"Authorization": f"Bearer {token}"}
        assert parse_qs(urlsplit(harness.gate.urls[0]).query)["token"] == [token]
        layout = compute_layout(harness.surface.get_size())
        harness.app.step(datetime.now(UTC) + timedelta(seconds=10))  # after the flash
        before = pygame.image.tobytes(harness.surface.subsurface(layout.hero), "RGB")

        # The server box dies. The display notices, keeps its board and shows the banner.
        harness.gate.open.clear()  # from here it cannot reconnect until the test says so
        server.kill()
        harness.pump(lambda: not harness.app.connected)
        harness.app.memory.keys.clear()  # repaint all, so every placement is in this frame
        frame = harness.app.step(datetime.now(UTC) + timedelta(seconds=10))
        pygame.image.save(harness.surface, artefacts / "reconnect_1_disconnected.png")
        assert frame.placements["banner"].text == "Mất kết nối máy chủ — đang kết nối lại…"
        assert tuple(harness.surface.get_at(layout.notice.topleft))[:3] == COLORS["banner"]
        assert pygame.image.tobytes(harness.surface.subsurface(layout.hero), "RGB") == before
        last_seq = harness.client.last_seq
        assert last_seq is not None and last_seq >= 2

        # It comes back on the same database and port; a counter calls while the display is away.
        server.start()
        missed = issue_and_call(server, counter_id=2)  # counter 1 still has the first
        assert missed != first
        assert harness.latest() == first and not harness.app.connected

        spoken_before = len(harness.channel.played)
        harness.gate.open.set()
        harness.pump(lambda: harness.latest() == missed and harness.app.connected)
        # (played out here on the fake clock: the big number follows the voice)
        assert spoken_before <= 1  # the first call's chime at most, while we were away
        run_until_quiet(harness.app.announcer, harness.clock)
        harness.app.memory.keys.clear()
        frame = harness.app.step()
        pygame.image.save(harness.surface, artefacts / "reconnect_2_caught_up.png")

        # It resumed from its sequence: the server replayed the two missed events, no snapshot.
        assert parse_qs(urlsplit(harness.gate.urls[-1]).query)["since"] == [str(last_seq)]
        after = harness.seen[harness.seen.index(Connection(True), len(harness.seen) - 4) + 1 :]
        assert [m.kind for m in after if isinstance(m, EventOut)] == ["ticket.issued", "ticket.called"]
        assert not any(isinstance(m, Snapshot) for m in after)
        assert frame.placements["call_number"].text == missed
        assert "banner" not in frame.placements
        # a recent call: announced as well as shown
        spoken = [name for _, _, name in harness.channel.played]
        assert spoken == clip_sequence(first, 1) + clip_sequence(missed, 2)
    finally:
        harness.gate.open.set()
        harness.client.stop()


def test_a_refused_token_says_so_instead_of_connection_lost(server: LiveServer, fonts: Fonts, tmp_path: Path) -> None:
    wire: queue.Queue[Message] = queue.Queue()
    client = EventClient(server.url, wire, token="forged", backoff_start=0.05, backoff_max=0.2)
    client.start()
    try:
        notes = [wire.get(timeout=WAIT) for _ in range(2)]  # accepted, then closed with 1008
    finally:
        client.stop()
    assert notes[0] == Connection(True)
    assert isinstance(notes[1], Connection) and notes[1].refused and not notes[1].connected
    surface = pygame.Surface((1366, 768))
    inbox: queue.Queue[Message] = queue.Queue()
    announcer = Announcer(fake_library(tmp_path), FakeChannel(FakeClock()), clock=FakeClock())
    app = DisplayApp(lambda: surface, inbox, fonts, announcer, DisplayConfig(notice="x"))
    inbox.put(notes[1])
    frame = app.step()
    assert frame.placements["banner"].text.startswith("Máy chủ từ chối màn hình này")


class Recorder:
    """A connector that opens real websockets and notes each attempt, so a test can wait for
    the n-th without sleeping."""

    def __init__(self) -> None:
        self.attempts = queue.Queue[float]()

    def __call__(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        self.attempts.put(datetime.now(UTC).timestamp())
        return connect(url, **kwargs)


def test_a_refused_token_backs_off_to_a_limit_with_one_log_line(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    wire: queue.Queue[Message] = queue.Queue()
    recorder = Recorder()
    client = EventClient(
        server.url, wire, token="forged", refused_backoff_start=0.02, refused_backoff_max=0.08, connector=recorder
    )
    waits: list[float] = []
    original = client._stop.wait
    client._stop.wait = lambda seconds: (waits.append(seconds), original(seconds))[1]  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, "display.client"):
        client.start()
        try:
            for _ in range(6):
                recorder.attempts.get(timeout=WAIT)
        finally:
            client.stop()
    assert waits[:5] == [0.02, 0.04, 0.08, 0.08, 0.08]  # doubling, then held at the limit (a minute by default)
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.ERROR  # not one per retry
    assert EventClient(server.url, wire).refused_backoff_max == 60.0


def test_a_handshake_turned_away_with_403_counts_as_refused(caplog: pytest.LogCaptureFixture) -> None:
    from websockets.sync.server import serve

    with serve(lambda ws: None, "127.0.0.1", 0, process_request=lambda conn, request: conn.respond(403, "no\n")) as ws_server:
        threading.Thread(target=ws_server.serve_forever, daemon=True).start()
        port = ws_server.socket.getsockname()[1]
        wire: queue.Queue[Message] = queue.Queue()
        client = EventClient(f"http://127.0.0.1:{port}", wire, token="old", refused_backoff_start=0.02)
        with caplog.at_level(logging.INFO, "display.client"):
            client.start()
            try:
                note = wire.get(timeout=WAIT)
            finally:
                client.stop()
        ws_server.shutdown()
    assert note == Connection(False, "HTTP 403", refused=True)
    assert client.state == "refused"


def test_staff_set_the_sound_through_the_event_stream(fonts: Fonts, tmp_path: Path) -> None:
    """The center's sound setting (the admin page's mute and volume) rides on every snapshot's
    center and on "display.sound" events. A reconnect's snapshot repeating it changes nothing
    (keys pressed since stay); a center that never set one keeps the display's own volume."""
    from display_sample import NOW, center, snapshot
    from websockets.sync.server import serve

    from display.client import SoundSetting

    def send(ws) -> None:  # type: ignore[no-untyped-def]
        ws.send(snapshot(seq=40).model_dump_json())  # the server's default: 100%, not muted
        quiet = center().model_copy(update={"display_muted": True, "display_volume": 30})
        ws.send(EventOut(seq=41, center_id=1, kind="display.sound", at=NOW, center=quiet).model_dump_json())
        ws.send(EventOut(seq=42, center_id=1, kind="center.updated", at=NOW, center=center()).model_dump_json())
        ws.recv()  # hold the connection until the client leaves

    with serve(send, "127.0.0.1", 0) as ws_server:
        threading.Thread(target=ws_server.serve_forever, daemon=True).start()
        wire: queue.Queue[Message] = queue.Queue()
        client = EventClient(f"http://127.0.0.1:{ws_server.socket.getsockname()[1]}", wire, sound=True)
        client.start()
        try:
            notes = [wire.get(timeout=WAIT) for _ in range(6)]
        finally:
            client.stop()
            ws_server.shutdown()
    assert [type(n).__name__ for n in notes] == ["Connection", "Snapshot", "SoundSetting", "EventOut", "SoundSetting", "EventOut"]
    assert notes[2] == SoundSetting(muted=False, volume=1.0)
    assert notes[4] == SoundSetting(muted=True, volume=0.3)  # a center.updated is not a sound change

    surface = pygame.Surface((1366, 768))
    inbox: queue.Queue[Message] = queue.Queue()
    channel = FakeChannel(FakeClock())
    announcer = Announcer(fake_library(tmp_path), channel, volume=0.6, clock=channel.clock)
    app = DisplayApp(lambda: surface, inbox, fonts, announcer, DisplayConfig(notice="x"))
    for note in notes[:3]:
        inbox.put(note)
    app.step(NOW)
    assert (announcer.muted, announcer.volume) == (False, 0.6)  # the server's default: --volume stays
    for note in notes[3:]:
        inbox.put(note)
    frame = app.step(NOW)
    assert (announcer.muted, announcer.volume, channel.volume) == (True, 0.3, 0.0)
    assert frame.placements["sound.vi"].text == "Đã tắt tiếng"
    # Staff unmute with the key; a reconnect's snapshot repeating the server's setting keeps it.
    app.set_sound(muted=False, source="key")
    inbox.put(SoundSetting(muted=True, volume=0.3))  # what the client makes of that snapshot
    app.step(NOW)
    assert announcer.muted is False
