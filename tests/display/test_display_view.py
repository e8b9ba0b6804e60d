"""Following the event stream: latest call, calls per counter, what to announce, gaps."""

from dataclasses import replace
from datetime import timedelta

from display_sample import DAY, NOW, called_event, snapshot, ticket

from display.view import Follower
from server.protocol import EventOut


def test_snapshot_gives_counters_categories_and_the_latest_call() -> None:
    follower = Follower()
    follower.receive(snapshot(), NOW)
    view = follower.view(notice="n", connected=True)
    assert view.center_name.startswith("Trung tâm")
    assert view.latest is not None and (view.latest.label, view.latest.counter_number) == ("A015", 3)
    assert [(c.number, c.label, c.state) for c in view.counters[:3]] == [
        (1, "A014", "open"), (2, "B007", "open"), (3, "A015", "open"),
    ]  # fmt: skip
    assert view.counters[5].state == "paused"
    assert [(c.prefix, c.waiting) for c in view.categories] == [
        ("A", 4), ("B", 2), ("C", 7), ("D", 0), ("E", 1), ("G", 12),
    ]  # fmt: skip


def test_a_call_is_announced_once_and_a_recall_again() -> None:
    follower = Follower()
    first = follower.receive(snapshot(seq=40), NOW)
    # In the order they were called: B007 three minutes ago (late: said if still called by its
    # turn), A015 a minute ago.
    assert [(c.label, c.late) for c in first.announce] == [("B007", True), ("A015", False)]
    at = NOW + timedelta(seconds=5)
    called = follower.receive(called_event(41, 101, 1, 20, 4, at), at)
    assert [(c.label, c.counter_number) for c in called.announce] == [("A020", 4)]
    assert follower.flash_started == at
    again = follower.receive(called_event(41, 101, 1, 20, 4, at), at)  # delivered twice
    assert again.announce == [] and not again.changed
    recalled = follower.receive(called_event(42, 101, 1, 20, 4, at, recalls=1), at + timedelta(seconds=30))
    assert [c.label for c in recalled.announce] == ["A020"]
    assert follower.view(notice="", connected=True).counters[3].label == "A020"
    # A020 is done; counter 4 calls A021: A020 moves to the counter's earlier calls
    done = ticket(101, 1, 20, "done", counter_id=4, called_at=at)
    follower.receive(EventOut(seq=43, center_id=1, kind="ticket.done", at=at, ticket=done), at)
    follower.receive(called_event(44, 102, 1, 21, 4, at), at)
    row = follower.view(notice="", connected=True).counters[3]
    assert (row.label, row.previous) == ("A021", ("A020",))


def test_old_calls_are_not_flashed_and_are_said_only_while_still_called() -> None:
    follower = Follower(recent_seconds=60)
    later = NOW + timedelta(hours=2)
    result = follower.receive(snapshot(), later)  # after a long outage: both still called
    assert [(c.label, c.late) for c in result.announce] == [("B007", True), ("A015", True)]
    assert all(follower.still_called(c) for c in result.announce)
    assert follower.latest is not None and follower.latest.label == "A015"
    assert follower.flash_started is None
    stale = follower.receive(called_event(41, 101, 1, 20, 4, NOW), later)  # replayed after a long outage
    assert [(c.label, c.late) for c in stale.announce] == [("A020", True)] and follower.latest.label == "A020"
    assert follower.still_called(stale.announce[0])
    # Started before its turn to be said came: its citizen is at the counter already.
    started = ticket(101, 1, 20, "serving", counter_id=4, called_at=NOW)
    follower.receive(EventOut(seq=42, center_id=1, kind="ticket.started", at=NOW, ticket=started), later)
    assert not follower.still_called(stale.announce[0])
    # Done, or called at another counter since: not awaited where that call sent them.
    done = ticket(15, 1, 15, "done", counter_id=3, called_at=NOW)
    follower.receive(EventOut(seq=43, center_id=1, kind="ticket.done", at=NOW, ticket=done), later)
    assert [follower.still_called(c) for c in result.announce] == [True, False]
    assert not follower.still_called(replace(result.announce[0], counter_number=5))


def test_a_gap_asks_for_a_resync_and_changes_nothing() -> None:
    follower = Follower()
    follower.receive(snapshot(seq=40), NOW)
    result = follower.receive(called_event(43, 101, 1, 20, 2, NOW), NOW)
    assert result.resync and result.announce == []
    assert follower.state is not None and follower.state.seq == 40
    assert follower.latest is not None and follower.latest.label == "A015"
    assert Follower().receive(called_event(1, 101, 1, 20, 2, NOW), NOW).resync  # event before any snapshot


def test_a_new_service_day_clears_yesterdays_calls() -> None:
    follower = Follower()
    follower.receive(snapshot(seq=40), NOW)
    tomorrow = NOW + timedelta(days=1)
    issued = ticket(500, 1, 1, "waiting").model_copy(update={"service_day": DAY + timedelta(days=1)})
    follower.receive(EventOut(seq=41, center_id=1, kind="ticket.issued", at=tomorrow, ticket=issued), tomorrow)
    view = follower.view(notice="", connected=True)
    assert view.latest is None
    assert all(c.label is None and c.previous == () for c in view.counters)
    assert [c.waiting for c in view.categories][0] == 1


def test_a_recall_long_after_the_call_is_announced_and_flashed() -> None:
    """The ticket keeps its first call's time; the recall's own time is what counts."""
    follower = Follower(recent_seconds=120)
    follower.receive(snapshot(seq=40), NOW)
    follower.receive(called_event(41, 101, 1, 20, 4, NOW), NOW)
    recalled_at = NOW + timedelta(minutes=10)
    ticket_then = ticket(101, 1, 20, "called", counter_id=4, called_at=NOW, recalls=1)
    recall = EventOut(seq=42, center_id=1, kind="ticket.recalled", at=recalled_at, ticket=ticket_then)
    result = follower.receive(recall, recalled_at + timedelta(seconds=2))
    assert [(c.label, c.recalls, c.when) for c in result.announce] == [("A020", 1, recalled_at)]
    assert follower.flash_started == recalled_at + timedelta(seconds=2)
    # the same recall replayed ten minutes later (after an outage) is shown, not flashed, and
    # said only if the ticket is still called when its turn comes
    stale = Follower(recent_seconds=120)
    stale.receive(snapshot(seq=41), NOW)
    late = stale.receive(recall, recalled_at + timedelta(minutes=10))
    assert [(c.label, c.recalls, c.late) for c in late.announce] == [("A020", 1, True)] and stale.flash_started is None
