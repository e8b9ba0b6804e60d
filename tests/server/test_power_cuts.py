"""Ten power cuts (SIGKILL) of a live server while kiosks issue and officers call, start and
complete; after each restart, what the clients were told still holds.

What "nothing lost" means, checked after every restart:
- Every issue a kiosk was answered (acknowledged) is in the database with the same id, number
  and label; repeating its idempotency key answers 200 with that same ticket.
- A tap in flight at the cut was never answered: the kiosk repeats it with the same key, as
  kiosk.js does until it gets an answer. The repeat answers the ticket the cut interrupted
  (200: it reached the disk) or makes it now (201: it did not); never a second ticket.
- Gapless, once those repeats are settled: each category's numbers today are exactly 1..N, and
  every ticket in the database is one a kiosk holds (its key was answered). A number made at
  the cut and never asked for again would be a gap on the wall display nobody comes for; that
  is why repeats must settle every tap in flight before the numbering is judged.
- Every action an officer was answered (call, start, complete) is in the ticket's row and in
  the center's event log, whose sequence is 1..N with no gap. An action in flight at the cut
  is picked up by the officer from the counter's view after the restart (the ticket in hand).
"""

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select

from database_urls import query
from server.models import Event
from server_process import ServerProcess

CUTS = 10
KIOSKS = 3
TAPS_PER_KIOSK = 4  # concurrent taps per kiosk: 12 issuing clients
CATEGORIES = (1, 2, 3)  # A, B, C of the demo center
COUNTERS = (1, 2, 3)  # serve A, B (and others): the officers' counters
ISSUES_PER_ROUND = 40  # answered issues before the cut
ACTIONS_PER_ROUND = 12  # answered officer actions before the cut


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Ledger:
    """What the clients were told, and what they were not."""

    tickets: dict[str, dict] = field(default_factory=dict)  # key -> the ticket answered
    categories: dict[str, int] = field(default_factory=dict)  # key -> category asked for
    pending: set[str] = field(default_factory=set)  # keys sent, never answered
    actions: list[tuple[int, str]] = field(default_factory=list)  # (ticket id, event kind) answered
    round_issues: int = 0
    round_actions: int = 0
    repeats: Counter = field(default_factory=Counter)  # 200 (made before the cut) / 201 (made now)


KIND = {"call-next": "ticket.called", "start": "ticket.serving", "complete": "ticket.done"}


async def one_round(server: ServerProcess, ledger: Ledger, kiosks: list[str], officers: list[str], keys) -> None:  # type: ignore[no-untyped-def]
    """Load until enough was answered this round, then cut the power with requests in flight."""
    cut = asyncio.Event()
    ledger.round_issues = ledger.round_actions = 0

    def maybe_cut() -> None:
        if not cut.is_set() and ledger.round_issues >= ISSUES_PER_ROUND and ledger.round_actions >= ACTIONS_PER_ROUND:
            cut.set()
            server.kill()  # blocks the loop a moment: every other request is in flight now

    async def tapping(token: str) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=bearer(token)) as http:
            while True:
                key = next(keys)
                category = CATEGORIES[int(key.removeprefix("tap-")) % len(CATEGORIES)]
                ledger.categories[key] = category
                ledger.pending.add(key)
                try:
                    answer = await http.post("/api/v1/tickets", json={"category_id": category, "idempotency_key": key})
                except httpx.TransportError:
                    return  # the server is gone; the key stays pending
                assert answer.status_code == 201, answer.text
                ledger.pending.discard(key)
                ledger.tickets[key] = answer.json()
                ledger.round_issues += 1
                maybe_cut()

    async def officer(token: str, counter: int) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=bearer(token)) as http:
            try:
                view = (await http.get(f"/api/v1/counters/{counter}/view")).json()
                hand = view["in_hand"]  # what a cut interrupted, picked up again
                while True:
                    if hand is None:
                        answer = await http.post(f"/api/v1/counters/{counter}/call-next")
                        if answer.status_code == 409:  # nobody waits yet
                            await asyncio.sleep(0.01)  # the pace of asking, not a synchronisation
                            continue
                        step = "call-next"
                    else:
                        step = "start" if hand["state"] == "called" else "complete"
                        answer = await http.post(f"/api/v1/tickets/{hand['id']}/{step}")
                    assert answer.status_code == 200, answer.text
                    ticket = answer.json()
                    ledger.actions.append((ticket["id"], KIND[step]))
                    ledger.round_actions += 1
                    hand = None if step == "complete" else ticket
                    maybe_cut()
            except httpx.TransportError:
                return  # the server is gone mid-step

    await asyncio.gather(
        *(tapping(kiosk) for kiosk in kiosks for _ in range(TAPS_PER_KIOSK)),
        *(officer(token, counter) for token, counter in zip(officers, COUNTERS, strict=True)),
    )
    assert cut.is_set()


def settle_and_check(server: ServerProcess, ledger: Ledger, kiosk: str) -> None:
    """After a restart: repeat every unanswered tap, then compare the database with the ledger."""
    with httpx.Client(base_url=server.url, headers=bearer(kiosk), timeout=30) as http:
        for key in sorted(ledger.pending):
            answer = http.post("/api/v1/tickets", json={"category_id": ledger.categories[key], "idempotency_key": key})
            assert answer.status_code in (200, 201), answer.text
            ledger.repeats[answer.status_code] += 1
            ledger.tickets[key] = answer.json()
        ledger.pending.clear()
        # An answered key repeated answers the same ticket, made once.
        for key, ticket in list(ledger.tickets.items())[-20:]:
            again = http.post("/api/v1/tickets", json={"category_id": ledger.categories[key], "idempotency_key": key})
            assert (again.status_code, again.json()["id"], again.json()["label"]) == (200, ticket["id"], ticket["label"])

    url = server.database_url
    rows = {
        key: (ticket_id, category, number, label, state, called_at, serving_at)
        for key, ticket_id, category, number, label, state, called_at, serving_at in query(
            url, "select idempotency_key, id, number_category_id, number, label, state, called_at, serving_at from ticket"
        )
    }
    event = Event.__table__.c  # type: ignore[attr-defined]
    events = set(query(url, select(event.data["ticket"]["id"].as_integer(), event.kind)))
    seqs = [seq for (seq,) in query(url, "select seq from event where center_id = 1 order by seq")]
    # Every ticket in the database is one a kiosk holds, and every one a kiosk holds is there.
    assert set(rows) == set(ledger.tickets)
    for key, ticket in ledger.tickets.items():
        assert rows[key][:4] == (ticket["id"], ticket["category_id"], ticket["number"], ticket["label"]), key
    for category in CATEGORIES:
        numbers = sorted(row[2] for row in rows.values() if row[1] == category)
        assert numbers == list(range(1, len(numbers) + 1)), f"category {category}: {numbers}"
    by_id = {row[0]: row for row in rows.values()}
    reached = {"ticket.called": ("called", "serving", "done"), "ticket.serving": ("serving", "done"), "ticket.done": ("done",)}
    for ticket_id, kind in ledger.actions:
        assert by_id[ticket_id][4] in reached[kind], (ticket_id, kind, by_id[ticket_id])
        assert (ticket_id, kind) in events, (ticket_id, kind)
    assert seqs == list(range(1, len(seqs) + 1))


def test_ten_power_cuts_lose_no_answered_ticket_or_action(tmp_path):
    server = ServerProcess(tmp_path / "cuts.db", env={"MOTCUA_ISSUE_RATE_PER_MINUTE": "1000000"}).start()
    kiosks = [server.token("kiosk") for _ in range(KIOSKS)]
    officers = [server.token("staff") for _ in COUNTERS]
    for token, counter in zip(officers, COUNTERS, strict=True):
        assert httpx.post(f"{server.url}/api/v1/counters/{counter}/claim", headers=bearer(token)).status_code == 200
    ledger = Ledger()
    keys = (f"tap-{n:06d}" for n in itertools.count())
    try:
        for _ in range(CUTS):
            asyncio.run(one_round(server, ledger, kiosks, officers, keys))
            server.start()  # the same database file and port
            settle_and_check(server, ledger, kiosks[0])
    finally:
        server.stop()
    # The cuts did catch requests in flight, and both outcomes of a repeat happened.
    assert len(ledger.tickets) >= CUTS * ISSUES_PER_ROUND and len(ledger.actions) >= CUTS * ACTIONS_PER_ROUND
    assert sum(ledger.repeats.values()) >= CUTS, ledger.repeats
