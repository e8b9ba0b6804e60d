"""Several server processes on one PostgreSQL database: numbers, idempotency and event streams
hold across them (server.queue.hold_center, server.listener). SQLite stays one process.

Run on PostgreSQL with MOTCUA_TEST_DATABASE_URL (deploy/test.sh runs the suite there too).
"""

import asyncio
import subprocess
import threading
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect

from database_urls import on_postgres, query
from server.protocol import EventOut, Snapshot, parse_message
from server_process import MOTCUA, ServerProcess

needs_postgres = pytest.mark.skipif(
    not on_postgres(), reason="several server processes need PostgreSQL: set MOTCUA_TEST_DATABASE_URL (deploy/test.sh does)"
)
CATEGORIES = (1, 2)  # A and B: counter 1 serves A (and K), counter 2 A and B
CLIENTS, EACH = 3, 8  # per process: bounded, and enough for the processes to meet at every step
CALLS = 12  # call-next then complete, per counter


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def two(tmp_path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two `motcua serve --demo` on one database, started at the same moment (the migration
    and the demo's seeding then run one process at a time: server.db.starting_alone)."""
    first = ServerProcess(tmp_path / "shared.db")
    second = ServerProcess(tmp_path / "shared.db")
    errors: list[BaseException] = []

    def start(server: ServerProcess) -> None:
        try:
            server.start()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    starting = [threading.Thread(target=start, args=(server,)) for server in (first, second)]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    try:
        assert not errors, errors
        yield first, second
    finally:
        first.stop()
        second.stop()


async def receive(ws) -> Snapshot | EventOut:
    return parse_message(await asyncio.wait_for(ws.recv(), timeout=15))


async def events_until(ws, last: int) -> list[EventOut]:
    """Every message up to the event `last`: events only (a snapshot would mean a resync)."""
    got: list[EventOut] = []
    while not got or got[-1].seq < last:
        message = await receive(ws)
        assert isinstance(message, EventOut), f"a resync instead of the next event after {got[-1].seq if got else None}"
        got.append(message)
    return got


@needs_postgres
def test_two_processes_issue_and_call_at_once(two):
    a, b = two
    desk = bearer(a.token("staff"))  # the entrance desk: not limited per device, as kiosks are
    officers = {1: bearer(a.token("staff")), 2: bearer(b.token("staff"))}
    reader = a.token("kiosk")

    async def issuing(server: ServerProcess, other: ServerProcess, client: int) -> list[tuple[httpx.Response, httpx.Response]]:
        """Each tap sent to both processes at once, as a kiosk repeating it to another would."""
        pairs = []
        async with httpx.AsyncClient(base_url=server.url, headers=desk, timeout=60) as here, httpx.AsyncClient(
            base_url=other.url, headers=desk, timeout=60
        ) as there:
            for n in range(EACH):
                body = {"category_id": CATEGORIES[n % 2], "idempotency_key": f"p{server.port}-c{client}-t{n}"}
                pairs.append(tuple(await asyncio.gather(here.post("/api/v1/tickets", json=body), there.post("/api/v1/tickets", json=body))))
        return pairs

    async def calling(server: ServerProcess, counter: int) -> list[dict]:
        called = []
        async with httpx.AsyncClient(base_url=server.url, headers=officers[counter], timeout=60) as http:
            assert (await http.post(f"/api/v1/counters/{counter}/claim")).status_code == 200
            for _ in range(CALLS):
                answer = await http.post(f"/api/v1/counters/{counter}/call-next")
                if answer.status_code == 409:  # nobody waiting yet
                    assert answer.json()["code"] == "queue_empty"
                    continue
                assert answer.status_code == 200, answer.text
                called.append(answer.json())
                done = await http.post(f"/api/v1/tickets/{called[-1]['id']}/complete")
                assert done.status_code == 200, done.text
        return called

    async def scenario() -> None:
        async with connect(f"{a.ws_url}/ws/events?center_id=1&token={reader}") as on_a, connect(
            f"{b.ws_url}/ws/events?center_id=1&token={reader}"
        ) as on_b:
            first_a, first_b = await receive(on_a), await receive(on_b)
            assert isinstance(first_a, Snapshot) and isinstance(first_b, Snapshot)
            work = [issuing(a, b, c) for c in range(CLIENTS)] + [issuing(b, a, c) for c in range(CLIENTS)]
            results = await asyncio.gather(*work, calling(a, 1), calling(b, 2))
            pairs = [pair for result in results[:-2] for pair in result]
            called = results[-2] + results[-1]

            # Each tap made one ticket, whichever process answered it first.
            for first, again in pairs:
                assert sorted((first.status_code, again.status_code)) == [200, 201], (first.text, again.text)
                assert first.json()["id"] == again.json()["id"] and first.json()["label"] == again.json()["label"]
            # Numbers: unique and gapless per category.
            issued = {}
            for first, _ in pairs:
                issued.setdefault(first.json()["category_id"], []).append(first.json()["number"])
            for category in CATEGORIES:
                assert sorted(issued[category]) == list(range(1, len(issued[category]) + 1)), issued
            rows = query(a.database_url, "select number_category_id, number from ticket order by 1, 2")
            assert rows == [(c, n) for c in CATEGORIES for n in range(1, len(issued[c]) + 1)]
            # No ticket called twice, though both counters call category A at once.
            assert called and len({t["id"] for t in called}) == len(called)

            # The center's event sequence: gapless in the table ...
            seqs = [seq for (seq,) in query(a.database_url, "select seq from event where center_id = 1 order by seq")]
            assert seqs == list(range(1, len(seqs) + 1))
            last = seqs[-1]
            assert last > first_a.seq + len(pairs)  # the issues and the calls
            # ... and each process's client heard every event once, in sequence.
            heard_a, heard_b = await events_until(on_a, last), await events_until(on_b, last)
            assert [e.seq for e in heard_a] == list(range(first_a.seq + 1, last + 1))
            assert [e.seq for e in heard_b] == list(range(first_b.seq + 1, last + 1))
            on_b_by_seq = {e.seq: (e.kind, e.ticket and e.ticket.id) for e in heard_b}
            assert all(on_b_by_seq[e.seq] == (e.kind, e.ticket and e.ticket.id) for e in heard_a if e.seq in on_b_by_seq)
            issued_ids = {e.ticket.id for e in heard_a if e.kind == "ticket.issued"}
            assert issued_ids == {first.json()["id"] for first, _ in pairs}

    asyncio.run(scenario())


@needs_postgres
def test_a_process_whose_listener_is_cut_off_catches_up(two):
    """The listening connection dropped (say, PostgreSQL restarted it): the events committed
    meanwhile, by either process, still reach the clients, in sequence."""
    a, b = two
    desk, reader = bearer(a.token("staff")), a.token("kiosk")

    async def scenario() -> None:
        async with connect(f"{a.ws_url}/ws/events?center_id=1&token={reader}") as on_a, httpx.AsyncClient(
            headers=desk, timeout=60
        ) as http:
            start = await receive(on_a)
            assert isinstance(start, Snapshot)
            cut = query(
                a.database_url,
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where application_name = 'motcua-listener' and datname = current_database()",
            )
            assert len(cut) == 2 and all(ok for (ok,) in cut)  # one listener per process
            labels = []
            for server in (a, b, a):
                answer = await http.post(f"{server.url}/api/v1/tickets", json={"category_id": 1})
                assert answer.status_code == 201, answer.text
                labels.append(answer.json()["label"])
            heard = await events_until(on_a, start.seq + 3)
            assert [(e.seq, e.ticket.label) for e in heard] == [(start.seq + n + 1, label) for n, label in enumerate(labels)]

    asyncio.run(scenario())


@needs_postgres
def test_serve_with_two_workers_runs_two_processes_on_one_port(tmp_path):
    """`motcua serve --workers 2`: two processes answer on one port, over one database, and
    stop together."""
    server = ServerProcess(tmp_path / "workers.db", workers=2).start()  # each process said it is ready
    try:
        pids = {line.split("[")[1].split("]")[0] for line in server.log if "Started server process" in line}
        assert len(pids) == 2, "".join(server.log)
        desk = bearer(server.token("staff"))

        async def issue() -> list[int]:
            async with httpx.AsyncClient(base_url=server.url, headers=desk, timeout=60) as http:
                answers = await asyncio.gather(*(http.post("/api/v1/tickets", json={"category_id": 1}) for _ in range(20)))
            assert {a.status_code for a in answers} == {201}
            return sorted(a.json()["number"] for a in answers)

        assert asyncio.run(issue()) == list(range(1, 21))
    finally:
        server.stop()
    assert server.proc is not None and server.proc.returncode == 0, "".join(server.log)  # an orderly stop


def _two_centers(db, clock):  # type: ignore[no-untyped-def]
    """Two centers; a job issuing an A ticket in each; the database's URL, and libpq's form of it."""
    from sqlalchemy.engine import make_url

    from queue_world import build_world
    from server import queue

    with db.write() as session:
        first, second = build_world(session, "ONE"), build_world(session, "TWO")

    def issue(world):  # type: ignore[no-untyped-def]
        return lambda session: queue.issue_ticket(session, clock(), category_id=world.categories["A"].id)[0].label

    url = db.engine.url.render_as_string(hide_password=False)
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return first.center.id, second.center.id, issue(first), issue(second), url, libpq


@needs_postgres
def test_a_batch_and_a_writer_asking_for_each_others_centers_do_not_deadlock(db, clock):
    """A group commit holding one center whose next job needs a second, held by another
    process that then asks for the first. This was a deadlock that PostgreSQL broke by aborting
    the batch; now the job is put off (queue.hold_center), the batch commits and frees the
    first center, the other process gets it, and the put-off job waits alone for the second:
    no circle, and each job is answered as if nothing happened."""
    import psycopg

    from server_process import poll

    one, two, issue_one, issue_two, url, libpq = _two_centers(db, clock)
    other_error: list[BaseException] = []
    with psycopg.connect(libpq) as other:
        other.execute("SELECT id FROM center WHERE id = %s FOR UPDATE", (two,))

        def the_other_process() -> None:
            # Once the batch waits for center two, ask for center one: a circle.
            poll(lambda: query(url, "select 1 from pg_locks where not granted"), "the batch waiting")
            try:
                other.execute("SELECT id FROM center WHERE id = %s FOR UPDATE", (one,))
                other.commit()
            except BaseException as exc:
                other_error.append(exc)

        thread = threading.Thread(target=the_other_process)
        thread.start()

        async def batch() -> list[str]:
            # Submitted together: one batch, center one's job first.
            return await asyncio.gather(db.run(issue_one), db.run(issue_two))

        labels = asyncio.run(batch())
        thread.join()
    assert not other_error  # the other process was not the one aborted ...
    assert labels == ["A001", "A001"]  # ... and both its jobs were done all the same
    numbers = query(url, "select center_id, number from ticket order by 1")
    assert numbers == [(one, 1), (two, 1)]


@needs_postgres
def test_a_batch_holding_a_center_does_not_wait_for_another(db, clock):
    """A group commit's job that would wait for a second center, held by another writer, is
    put off and runs alone once the rest of its batch has committed: the batch never waits
    holding a center. Waiting, two processes' batches formed circles that PostgreSQL broke
    only after deadlock_timeout (a second, every center of the circle held meanwhile): 18
    deadlocks in 30 s and a p99 of seconds in bench/province.py, and a lone job that
    PostgreSQL chose to abort (first in line for a center of the circle) was answered 503."""
    import psycopg

    from server_process import poll

    one, two, issue_one, issue_two, url, libpq = _two_centers(db, clock)
    with psycopg.connect(libpq) as other:
        other.execute("SELECT id FROM center WHERE id = %s FOR UPDATE", (two,))

        async def batch() -> list[str]:
            # Submitted together: one batch, center one's job first.
            jobs = asyncio.gather(db.run(issue_one), db.run(issue_two))
            # Center one's ticket commits while center two is still held.
            await asyncio.to_thread(poll, lambda: query(url, f"select 1 from ticket where center_id = {one}"), "center one's ticket")
            other.commit()
            return await jobs

        labels = asyncio.run(batch())
    assert labels == ["A001", "A001"]
    assert query(url, "select center_id, number from ticket order by 1") == [(one, 1), (two, 1)]


def test_serve_with_workers_on_sqlite_is_refused(tmp_path):
    """SQLite has one writer: more processes are refused, in both languages, before anything starts."""
    done = subprocess.run(
        [MOTCUA, "serve", "--workers", "2", "--database-url", f"sqlite:///{tmp_path / 'one.db'}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "cần cơ sở dữ liệu PostgreSQL" in done.stderr and "need a PostgreSQL database" in done.stderr
    assert not (tmp_path / "one.db").exists()  # nothing was made
