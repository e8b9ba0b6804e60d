"""The console keeps its waiting list in call order itself (server/web/static/call_order.js):
the same answers as the server's rule (server/queue.py), and live in the page as tickets come
and go."""

import json

import pytest
from playwright.sync_api import expect

from database_urls import database_url
from queue_world import FakeClock, build_world
from server import queue
from server.db import Database, make_engine, migrate
from server.models import CounterCategory, PriorityGroup, PriorityRule, TicketSource

A = 1  # the demo's Hộ tịch, served by counters 1 and 2


def views(tmp_path, rule: PriorityRule, limit: int) -> tuple[list[dict], int]:
    """Counter 1's views of a mixed queue after 0, 1, 2, ... of its calls; and `now` in µs."""
    engine = make_engine(database_url(tmp_path / f"{rule}.db"))
    migrate(engine)
    db, clock = Database(engine), FakeClock()
    from sqlalchemy import update

    with db.write() as session:
        world = build_world(session, priority_rule=rule, priority_ratio=2, ageing_minutes=20)
        a, b = world.categories["A"].id, world.categories["B"].id
        session.execute(update(CounterCategory).where(CounterCategory.counter_id == world.counters[1].id)
                        .where(CounterCategory.category_id == b).values(weight=2))  # fmt: skip
    plan = [(a, None), (b, None), (a, PriorityGroup.elderly), (b, None), (a, None), (b, PriorityGroup.pregnant),
            (a, None), (a, PriorityGroup.disabled), (b, None), (b, None), (a, None), (b, PriorityGroup.elderly)] * 2  # fmt: skip
    with db.write() as session:
        for category, group in plan:
            queue.issue_ticket(session, clock(), category_id=category, priority_group=group, source=TicketSource.desk)
            clock.advance(minutes=2)
        sent = queue.issue_ticket(session, clock(), category_id=world.categories["C"].id)[0]
        queue.transfer(session, clock(), sent.id, counter_id=world.counters[1].id)
    clock.advance(minutes=7)
    out = []
    for _ in range(4):  # the view, then after each of three calls (its turn for priority moves)
        with db.read() as session:
            out.append(json.loads(queue.counter_view(session, world.counters[1].id, clock(), limit).model_dump_json()))
        with db.write() as session:
            called = queue.call_next(session, clock(), world.counters[1].id)
            queue.complete(session, clock(), called.id)
    engine.dispose()
    return out, int(clock().timestamp() * 1_000_000)


JS_ORDER = """async ({views, now, want}) => {
  const m = await import("/web/static/call_order.js");
  return views.map((v) => {
    const counts = new Map(v.queues.map((q) => [m.countKey(q), q.waiting]));
    const {order, whole} = m.callOrder(v.center, v.counter, [...v.waiting, ...v.next_in_queues], counts, want, now);
    return {labels: order.map((t) => t.label), whole};
  });
}"""


@pytest.mark.parametrize("rule", list(PriorityRule))
def test_the_console_orders_as_the_server_does(tmp_path, server, new_page, rule):
    whole, now = views(tmp_path, rule, limit=200)
    page = new_page()
    page.goto(f"{server.url}/console")
    answers = page.evaluate(JS_ORDER, {"views": whole, "now": now, "want": 200})
    for view, answer in zip(whole, answers):
        assert answer == {"labels": [t["label"] for t in view["waiting"]], "whole": True}
    assert len(whole[0]["waiting"]) == 25
    assert len({tuple(answer["labels"][:3]) for answer in answers}) == 4  # each call moved the order

    # From a view of the first 5 only (and the next of each queue), the console gives as
    # much of the order as it can be sure of, and says when it needs more.
    (tmp_path / "short").mkdir()
    short, _ = views(tmp_path / "short", rule, limit=5)
    answers = page.evaluate(JS_ORDER, {"views": short, "now": now, "want": 20})
    for full, answer in zip(whole, answers):
        expected = [t["label"] for t in full["waiting"]]
        assert len(answer["labels"]) >= 5
        assert answer["labels"] == expected[: len(answer["labels"])]
        assert answer["whole"] is False  # 25 wait: it knows it does not know them all


def test_the_list_follows_the_call_order_live(server, console):
    staff = server.client("staff")
    ordinary = [staff.post("/api/v1/tickets", json={"category_id": A, "source": "desk"}).json()["label"] for _ in range(3)]
    page = console("lan", 1)
    labels = page.locator("#waiting-list li .ticket-label")
    expect(labels).to_have_text(ordinary)
    # An elderly citizen comes last and is called first: at the top, without a reload.
    elderly = staff.post("/api/v1/tickets", json={"category_id": A, "source": "desk", "priority_group": "elderly"}).json()["label"]
    expect(labels).to_have_text([elderly, *ordinary])
    # Counter 2 calls them: they leave the list of counter 1 as it happens.
    for left in (ordinary, ordinary[1:]):
        called = staff.post("/api/v1/counters/2/call-next").json()
        expect(labels).to_have_text(left)
        assert staff.post(f"/api/v1/tickets/{called['id']}/complete").status_code == 200
    expect(page.locator("#waiting-count")).to_have_text("2")
