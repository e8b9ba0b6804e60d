"""CPU use of the wall display loop, headless (SDL dummy video and audio drivers).

    .venv/bin/python bench/display_cpu.py --seconds 20
    SDL_VIDEODRIVER=x11 xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python bench/display_cpu.py

Runs the real frame loop (DisplayApp.run: drain, announce, draw dirty regions, update, tick)
fed with a synthetic center, in three phases of N seconds each:
  idle           nothing happens; the notice fits, so nothing moves
  idle-scrolling nothing happens, but the notice is long and scrolls
  flashing       a call every flash period: the hero flashes and the mixer plays announcements
and prints, per phase, CPU as a percentage of one core (process time / wall time), the frames
that repainted something, loop ticks, and resident memory.
"""

import argparse
import os
import queue
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")  # as display.app.sdl_defaults() does

import pygame  # noqa: E402

from display.app import DisplayApp, DisplayConfig  # noqa: E402
from display.cli import ensure_voice, make_announcer  # noqa: E402
from display.client import Connection, Message  # noqa: E402
from display.fonts import Fonts  # noqa: E402
from server.protocol import CategoryOut, CenterOut, CounterOut, EventOut, Snapshot, TicketOut  # noqa: E402

SHORT_NOTICE = "Đường dây nóng: 1900 0000"
LONG_NOTICE = (
    "Xin vui lòng giữ phiếu số và chú ý màn hình, loa gọi số. Giờ làm việc: sáng 7:30–11:30, "
    "chiều 13:30–17:00, từ thứ Hai đến thứ Sáu. Đường dây nóng: 1900 0000"
)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ticket(tid: int, prefix: str, cat: int, number: int, state: str, counter: int | None, at: datetime) -> TicketOut:
    return TicketOut(
        id=tid, center_id=1, service_day=at.date(), label=f"{prefix}{number:03d}", number=number,
        category_id=cat, number_category_id=cat, hop=0, origin_id=None, target_counter_id=None,
        priority_group=None, source="kiosk", state=state, counter_id=counter, recalls=0, note="",
        queued_at=at, issued_at=at, called_at=at if counter else None, serving_at=None, done_at=None,
        no_show_at=None, cancelled_at=None, transferred_at=None,
    )  # fmt: skip


def synthetic_snapshot(now: datetime) -> Snapshot:
    prefixes = ["A", "B", "C", "D", "E", "G", "H", "K", "L", "M"]
    center = CenterOut(
        id=1, code="BENCH", name_vi="Trung tâm Phục vụ hành chính công phường Hòa Bình", name_en="Hoa Binh",
        address="", hotline="1900 0000", timezone="Asia/Ho_Chi_Minh", priority_rule="strict",
        priority_ratio=3, ageing_minutes=30,
    )  # fmt: skip
    categories = [
        CategoryOut(
            id=i, prefix=p, name_vi=f"Lĩnh vực {p}", name_en=f"Field {p}", pictogram="info", color="#1565c0",
            sessions=[["00:00", "24:00"]], daily_cap=None, service_minutes=10, position=i,
        )  # fmt: skip
        for i, p in enumerate(prefixes, start=1)
    ]
    counters = [CounterOut(id=n, number=n, name_vi=f"Quầy {n}", name_en=f"Counter {n}", state="open") for n in range(1, 7)]
    tickets = [ticket(1000 + i, prefixes[i % 10], i % 10 + 1, 100 + i, "waiting", None, now) for i in range(40)]
    return Snapshot(seq=1, center=center, service_day=now.date(), categories=categories, counters=counters, tickets=tickets)


class CallFeeder:
    """Puts a ticket.called event on the inbox every `period` seconds (None: never)."""

    def __init__(self, inbox: "queue.Queue[Message]", period: float | None, seq: int = 1) -> None:
        self.inbox = inbox
        self.period = period
        self.seq = seq
        self.next_at = time.monotonic()

    def __call__(self) -> None:
        if self.period is None or time.monotonic() < self.next_at:
            return
        self.next_at += self.period
        self.seq += 1
        now = datetime.now(UTC)
        counter = self.seq % 6 + 1
        called = ticket(self.seq, "A", 1, self.seq, "called", counter, now)
        self.inbox.put(EventOut(seq=self.seq, center_id=1, kind="ticket.called", at=now, ticket=called))


def phase(app: DisplayApp, seconds: float, tick_hook: Callable[[], None]) -> dict[str, float]:
    frames, ticks = app.frames, app.ticks
    wall0, cpu0 = time.perf_counter(), time.process_time()
    end = time.monotonic() + seconds

    def until() -> bool:
        tick_hook()
        return time.monotonic() >= end

    app.run(until=until)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        "cpu_percent": 100 * cpu / wall,
        "frames": app.frames - frames,
        "ticks": app.ticks - ticks,
        "seconds": wall,
        "rss_mb": rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="wall display CPU use, headless")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))

    voice_dir = Path(tempfile.mkdtemp(prefix="motcua-voice-"))
    config = DisplayConfig(voice_dir=voice_dir, notice=SHORT_NOTICE, window_size=size)  # type: ignore[arg-type]
    ensure_voice(voice_dir, config.language)
    pygame.mixer.pre_init(frequency=22050, size=-16, channels=1, buffer=1024)
    pygame.init()
    pygame.display.set_mode(size)
    inbox: queue.Queue[Message] = queue.Queue()
    app = DisplayApp(pygame.display.get_surface, inbox, Fonts(), make_announcer(config), config)
    inbox.put(Connection(True))
    inbox.put(synthetic_snapshot(datetime.now(UTC)))
    app.step()  # first full paint, fonts warmed
    pygame.display.update()

    print(f"display loop, {size[0]}x{size[1]}, SDL {os.environ['SDL_VIDEODRIVER']}/{os.environ['SDL_AUDIODRIVER']}, "
          f"fps {config.fps} busy / {config.idle_fps} idle, {args.seconds:.0f} s per phase")  # fmt: skip
    results = {"idle": phase(app, args.seconds, lambda: None)}
    config.notice = LONG_NOTICE
    app._refresh_view()
    results["idle-scrolling"] = phase(app, args.seconds, lambda: None)
    config.notice = SHORT_NOTICE
    app._refresh_view()
    feeder = CallFeeder(inbox, config.flash_seconds, seq=1)
    results["flashing"] = phase(app, args.seconds, feeder)
    for name, r in results.items():
        print(
            f"{name:15s} cpu {r['cpu_percent']:5.1f}% of one core  frames drawn {r['frames']:5.0f} "
            f"({r['frames'] / r['seconds']:4.1f}/s)  ticks {r['ticks']:5.0f}  rss {r['rss_mb']:.0f} MB"
        )
    pygame.quit()


if __name__ == "__main__":
    main()
