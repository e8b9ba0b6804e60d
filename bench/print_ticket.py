"""Milliseconds to render and encode one ticket, and bytes per ticket, for 58 and 80 mm paper.

    .venv/bin/python bench/print_ticket.py [--runs 50]

Target (issue 5): under 50 ms and under 40 kB per ticket; issue 14: every ticket under 40 kB.
Two tickets: a heavy one (a long center name, a priority band, a two-line category, English
under every figure) and the worst case (every field at the longest TicketPrint allows). Times are the
median and the 90th percentile of `--runs` runs after a warm-up (fonts load once per process).
"""

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from printer.escpos_out import encode_image, encode_text
from printer.layout import PAPER_58MM, PAPER_80MM, TicketPrint, render

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "printer"))
from longest_ticket import LONGEST as WORST  # noqa: E402  (the test holds it under 40 kB too)

TARGET_MS, TARGET_BYTES = 50, 40_000

TICKET = TicketPrint(
    center_name="Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm",
    label="A015",
    category_vi="Đăng ký khai sinh, chứng thực, Bảo hiểm y tế",
    category_en="Birth registration, certification, health insurance",
    issued_at=datetime(2026, 11, 23, 2, 5, tzinfo=UTC),
    people_ahead=7,
    estimated_wait_minutes=25,
    status_url="https://hanhchinh.hoankiem.gov.vn/s/9f8e7d6c5b4a39281706",
    hotline="1900 1234",
    priority_vi="Người cao tuổi",
    priority_en="Elderly",
)




def measure(width: int, runs: int, TICKET: TicketPrint = TICKET) -> dict[str, float]:  # noqa: N803
    encode_image(render(TICKET, width))  # warm-up: fonts, python-escpos import
    render_ms, encode_ms, total_ms = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        image = render(TICKET, width)
        rendered = time.perf_counter()
        data = encode_image(image)
        finished = time.perf_counter()
        render_ms.append((rendered - started) * 1000)
        encode_ms.append((finished - rendered) * 1000)
        total_ms.append((finished - started) * 1000)
    return {
        "render_ms": statistics.median(render_ms),
        "encode_ms": statistics.median(encode_ms),
        "total_ms": statistics.median(total_ms),
        "total_p90_ms": statistics.quantiles(total_ms, n=10)[-1],
        "bytes": len(data),
        "height": image.height,
        "text_bytes": len(encode_text(TICKET, width)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    print(
        f"{'paper':>6} {'dots':>9} {'render':>8} {'encode':>8} {'total':>8} {'p90':>8} {'bytes':>7} {'text mode':>10}"
    )
    ok = True
    for label, ticket in (("heavy", TICKET), ("worst", WORST)):
        for name, width in (("58 mm", PAPER_58MM), ("80 mm", PAPER_80MM)):
            figures = measure(width, runs, ticket)
            ok &= figures["total_ms"] < TARGET_MS and figures["bytes"] < TARGET_BYTES
            times = " ".join(f"{figures[key]:>6.1f}ms" for key in ("render_ms", "encode_ms", "total_ms", "total_p90_ms"))
            size = f"{width:>4}x{figures['height']:<4}"
            print(f"{name:>6} {size} {times} {figures['bytes']:>7} {figures['text_bytes']:>10}  {label}")
    print(
        f"target: total < {TARGET_MS} ms, bytes < {TARGET_BYTES}: {'met' if ok else 'NOT met'} ({runs} runs, medians)"
    )


if __name__ == "__main__":
    main()
