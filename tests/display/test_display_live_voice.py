"""What the waiting room hears, against a real `motcua serve`: a burst of 14 calls, a display cut
off while 10 calls are made, and a recall ten minutes after its call. The announcer runs on a
fake clock with clips as long as the installer's; the clip log is read back call by call."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from clip_log import heard
from server_process import ServerProcess as LiveServer
from test_display_client import WAIT, Harness
from test_display_voice import espeak_library

from display.fonts import Fonts
from server.protocol import Snapshot

BURST = range(7, 21)  # counters 7-20: the burst
FROZEN = range(21, 31)  # counters 21-30: called while the display is cut off


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "center.db").prepare()
    with live_session(live) as session:
        from server import directory
        from server.models import Category, Center

        center = session.get(Center, 1)
        civil = session.get(Category, 1)  # "A"
        for number in [*BURST, *FROZEN]:
            directory.add_counter(session, center, number, [civil])
    live.start()
    live.display_token = live.token("display")  # type: ignore[attr-defined]
    live.staff_token = live.token("staff")  # type: ignore[attr-defined]
    yield live
    live.stop()


class live_session:
    """A write session on the server's own database (what an admin's tool would do)."""

    def __init__(self, live: LiveServer) -> None:
        from server.db import Database, make_engine

        self.engine = make_engine(live.database_url)
        self.cm = Database(self.engine).write()

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.cm.__enter__()

    def __exit__(self, *exc: object) -> None:
        try:
            self.cm.__exit__(*exc)
        finally:
            self.engine.dispose()


def staff(server: LiveServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.staff_token}"}  # type: ignore[attr-defined]
    return httpx.Client(base_url=server.url, timeout=WAIT, headers=headers)


def counter_ids(http: httpx.Client) -> dict[int, int]:
    response = http.get("/api/v1/centers/1/queue")
    assert response.status_code == 200, response.text
    return {c["number"]: c["id"] for c in response.json()["counters"]}


def call(http: httpx.Client, counter_id: int) -> dict:  # type: ignore[type-arg]
    assert http.post("/api/v1/tickets", json={"category_id": 1}).status_code == 201
    response = http.post(f"/api/v1/counters/{counter_id}/call-next")
    assert response.status_code == 200, response.text
    return response.json()


def play_for(harness: Harness, seconds: float, step: float = 1 / 30) -> None:
    """Let the frame loop run `seconds` of announcer time."""
    end = harness.clock.now + seconds
    while harness.clock.now < end:
        harness.clock.now += step
        harness.app.step()


def play_out(harness: Harness) -> None:
    while harness.app.announcer.busy:
        play_for(harness, 0.5)
        assert harness.clock.now < 10_000, "the announcer never went quiet"


def test_bursts_freezes_and_late_recalls_are_all_heard(server: LiveServer, fonts: Fonts, tmp_path: Path) -> None:
    harness = Harness(server, fonts, tmp_path, library=espeak_library(tmp_path / "voice"))
    http = staff(server)
    try:
        harness.pump(lambda: harness.app.connected and harness.app.view.synced)
        ids = {c.number: c.id for c in harness.app.follower.state.counters.values()}  # type: ignore[union-attr]

        # 14 calls in 10 s at counters 7-20, the voice playing all the while.
        called: list[tuple[float, str, str]] = []
        for number in BURST:
            ticket = call(http, ids[number])
            harness.pump(lambda: harness.latest() == ticket["label"])
            called.append((harness.clock.now, ticket["label"], str(number)))
            play_for(harness, 10 / 13)
        play_out(harness)
        burst = heard(harness.channel)
        assert [(label, counter) for _, label, counter in burst] == [(l, c) for _, l, c in called]
        late = [start - at for (start, _, _), (at, _, _) in zip(burst, called)]
        assert max(late) <= 20, late

        # Cut off while ten more are called; all ten are heard once it is back, in order.
        harness.channel.played.clear()
        harness.gate.open.clear()
        harness.client._close_socket()
        harness.pump(lambda: not harness.app.connected)
        frozen = [call(http, ids[number]) for number in FROZEN]
        harness.gate.open.set()
        harness.pump(lambda: harness.latest() == frozen[-1]["label"])
        back = harness.clock.now
        play_out(harness)
        after = heard(harness.channel)
        assert [(label, counter) for _, label, counter in after] == [
            (t["label"], str(n)) for t, n in zip(frozen, FROZEN)
        ]
        assert max(start - back for start, _, _ in after) <= 20

        # A recall ten minutes after the call: the ticket keeps its call time, the recall counts.
        last = called[-1]
        ticket_id = next(t.id for t in harness.app.follower.state.tickets.values() if t.label == last[1])  # type: ignore[union-attr]
        with live_session(server) as session:
            from server.models import Ticket

            row = session.get(Ticket, ticket_id)
            row.called_at = row.called_at - timedelta(minutes=10)
        harness.channel.played.clear()
        response = http.post(f"/api/v1/tickets/{ticket_id}/recall")
        assert response.status_code == 200, response.text
        assert datetime.now(UTC) - datetime.fromisoformat(response.json()["called_at"]) > timedelta(minutes=9)
        harness.pump(lambda: harness.app.announcer.busy)
        assert harness.app.view.latest is not None and harness.app.view.latest.label == last[1]
        assert harness.app.view.flash_started is not None  # flashed as it is read
        play_out(harness)
        assert [(label, counter) for _, label, counter in heard(harness.channel)] == [(last[1], last[2])]
    finally:
        http.close()
        harness.gate.open.set()
        harness.client.stop()


def start(http: httpx.Client, ticket: dict) -> None:  # type: ignore[type-arg]
    response = http.post(f"/api/v1/tickets/{ticket['id']}/start")
    assert response.status_code == 200, response.text


def in_state(harness: Harness, ticket: dict, state: str) -> bool:  # type: ignore[type-arg]
    known = harness.app.follower.state.tickets.get(ticket["id"]) if harness.app.follower.state else None
    return known is not None and known.state == state


LATE = timedelta(minutes=10)  # well past announce_within (2 minutes)


def test_a_late_call_in_a_snapshot_is_heard_unless_served_before_its_turn(
    server: LiveServer, fonts: Fonts, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A display that starts ten minutes after two calls: both tickets still wait for their
    citizens, so both are to be said; the second is started while the first is said, so only
    the first is heard."""
    http = staff(server)
    ids = counter_ids(http)
    first, second = call(http, ids[7]), call(http, ids[8])
    harness = Harness(server, fonts, tmp_path)
    harness.ahead = LATE
    try:
        with caplog.at_level("INFO", "display.voice"):
            harness.pump(lambda: harness.app.view.synced)
            speaking = harness.app.announcer.speaking
            assert speaking is not None and (speaking.label, speaking.late) == (first["label"], True)
            assert harness.app.view.latest == speaking  # the board shows what is said
            start(http, second)
            harness.pump(lambda: in_state(harness, second, "serving"))
            play_out(harness)
        assert [(label, counter) for _, label, counter in heard(harness.channel)] == [(first["label"], "7")]
        skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("not announcing")]
        assert skipped == [f"not announcing {second['label']}@8: no longer wanted when its turn came"]
    finally:
        http.close()
        harness.client.stop()


def test_late_calls_replayed_after_an_outage_are_heard_unless_served_since(
    server: LiveServer, fonts: Fonts, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Cut off while two calls are made and the second citizen is served; back ten minutes
    later, the display replays the missed events: the first call is heard, the second is not."""
    harness = Harness(server, fonts, tmp_path)
    http = staff(server)
    try:
        harness.pump(lambda: harness.app.connected and harness.app.view.synced)
        ids = {c.number: c.id for c in harness.app.follower.state.counters.values()}  # type: ignore[union-attr]
        harness.gate.open.clear()
        harness.client._close_socket()
        harness.pump(lambda: not harness.app.connected)
        first, second = call(http, ids[9]), call(http, ids[10])
        start(http, second)
        harness.ahead = LATE
        with caplog.at_level("INFO", "display.voice"):
            harness.gate.open.set()
            harness.pump(lambda: in_state(harness, second, "serving"))
            play_out(harness)
        assert "since=" in harness.gate.urls[-1]  # a replay of the missed events, not a snapshot
        assert sum(isinstance(m, Snapshot) for m in harness.seen) == 1  # the first connection's only
        assert [(label, counter) for _, label, counter in heard(harness.channel)] == [(first["label"], "9")]
        skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("not announcing")]
        assert skipped == [f"not announcing {second['label']}@10: no longer wanted when its turn came"]
    finally:
        http.close()
        harness.gate.open.set()
        harness.client.stop()


def test_the_centers_choice_to_read_ticket_numbers_digit_by_digit_reaches_the_display(
    server: LiveServer, fonts: Fonts, tmp_path: Path
) -> None:
    """The admin page's setting, live: A015 is "a mười lăm" until the center chooses digit by
    digit, then its recall is "a không một năm"."""
    harness = Harness(server, fonts, tmp_path)
    http = staff(server)
    admin_headers = {"Authorization": f"Bearer {server.token('admin')}"}
    try:
        harness.pump(lambda: harness.app.connected and harness.app.view.synced)
        for _ in range(15):
            issued = http.post("/api/v1/tickets", json={"category_id": 1})
            assert issued.status_code == 201, issued.text
        ticket = issued.json()
        assert ticket["label"] == "A015"
        counter = counter_ids(http)[7]
        assert http.post(f"/api/v1/tickets/{ticket['id']}/call", json={"counter_id": counter}).status_code == 200
        harness.pump(lambda: harness.latest() == "A015")
        play_out(harness)
        words = [name for _, _, name in harness.channel.played]
        assert words[words.index("prefix") :] == ["prefix", "letter_a", "num_ten", "num_lam", "to_counter", "digit_7"]

        sound = {"muted": False, "volume": 100, "ticket_digits": True}
        answer = httpx.put(f"{server.url}/api/v1/admin/centers/1/display-sound", json=sound, headers=admin_headers, timeout=WAIT)
        assert answer.status_code == 200, answer.text
        harness.pump(lambda: harness.app.announcer.ticket_digits)
        harness.channel.played.clear()
        assert http.post(f"/api/v1/tickets/{ticket['id']}/recall").status_code == 200
        harness.pump(lambda: harness.app.announcer.busy)
        play_out(harness)
        words = [name for _, _, name in harness.channel.played]
        assert words[words.index("prefix") :] == ["prefix", "letter_a", "digit_0", "digit_1", "digit_5", "to_counter", "digit_7"]
    finally:
        http.close()
        harness.client.stop()
