"""Give freed memory back after a wave of websocket clients has left.

The server collects its oldest generation of objects rarely (server/cli.py sets the
thresholds for issuing speed), and a closed connection's objects are in reference cycles: after
thousands of display clients leave, they wait for that collection, and glibc keeps the pages
they free. So after a wave (events.Hub decides when) the server collects, then asks glibc to
hand its free pages back (`malloc_trim`; a no-op where the C library is not glibc).

Measured (bench/display_clients.py and a two-wave run of 1,000 clients): the server went from
100 MB to 191 MB with the clients and back to 176 MB; a second wave took it to 191 MB again,
not more. What stays is Python's own small-object arenas, partly used, which it reuses; with
PYTHONMALLOC=malloc it came back to 121 MB, for about 6-10% more CPU per call-next.

Checked again for a leak (issue 16; bench/display_clients.py, 2,000 displays, the server's
objects counted after gc.collect() and sys._debugmallocstats() read before, during, after): no
connection's state stays. Objects the collector tracks went 27,800 -> 422,000 -> 36,200 (the
difference: SQLAlchemy's compiled statements of the routes first used meanwhile; no task,
coroutine, queue, subscription or websocket left), and a second wave ended at 36,200 again.
Python's allocator held 64.6 MB in blocks before and 66.2 MB after, but kept its 130 arenas of
1 MiB (none freed: each still has a few blocks in use) with 59 MB of empty pools in them: that
is the RSS kept (124 -> 217 -> 195 MB; a second wave 198 -> 219 -> 197). With
PYTHONMALLOC=malloc: 129 -> 225 -> 148 MB.
"""

import ctypes
import ctypes.util
import gc
import logging
import threading

log = logging.getLogger("motcua.memory")


def _trim() -> None:
    # The server collects its oldest generation rarely (server/cli.py sets the thresholds), and
    # a closed connection's objects are in cycles: collect them first, or nothing is free.
    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)
        if trim is not None:
            trim(0)
    except OSError:
        log.debug("no C library to trim")


def give_back() -> None:
    """Trim on a thread of its own: the caller (the event loop) does not wait for it."""
    threading.Thread(target=_trim, name="malloc-trim", daemon=True).start()
