"""Sign-in throttling that slows a guesser down without locking the real person out.

Failures are counted per key (an address, a user name, a known browser). The first `free`
failures cost nothing; each one after that doubles the wait before the key may try again, up
to `longest` seconds, so a guesser gets one try every `longest` seconds at most while the
officer whose name is being guessed waits no longer than that (and not at all from a browser
that signed in before: server/api/session.py). A success never counts. Failures are forgotten
after `forget` quiet seconds.

The keys live in memory, at most `capacity` of them, the least recently failed dropped first:
a flood of made-up names costs a bounded amount of memory. The price is that a flood wide
enough to fill it also forgets older failures; the per-address key slows such a flood down
first. Counts are per process (several server processes each count their own).
"""

import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from server.settings import Settings


class Backoff:
    def __init__(
        self,
        free: int,
        longest: float,
        forget: float,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.longest = longest
        self.forget = forget
        self.capacity = capacity
        self.clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key: (count, last failure)
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Seconds before `key` may try again; 0 if it may now."""
        now = self.clock()
        with self._lock:
            entry = self._current(key, now)
        if entry is None or entry[0] < self.free:
            return 0.0
        count, last = entry
        delay = min(self.longest, 2.0 ** (count - self.free))  # 1, 2, 4 ... seconds
        return max(0.0, last + delay - now)

    def fail(self, key: str) -> None:
        """Count one failure of `key`."""
        now = self.clock()
        with self._lock:
            entry = self._current(key, now)
            # Past the longest delay more failures change nothing: the count stops growing.
            count = min((entry[0] if entry else 0) + 1, self.free + 64)
            self._failures[key] = (count, now)
            self._failures.move_to_end(key)
            while len(self._failures) > self.capacity:
                self._failures.popitem(last=False)
            self._sweep(now)

    def _current(self, key: str, now: float) -> tuple[int, float] | None:
        entry = self._failures.get(key)
        if entry is not None and now - entry[1] > self.forget:
            del self._failures[key]
            return None
        return entry

    def _sweep(self, now: float) -> None:
        """Drop keys quiet for `forget` seconds: the oldest are first, so stop at a recent one."""
        while self._failures:
            key, (_, last) = next(iter(self._failures.items()))
            if now - last <= self.forget:
                return
            del self._failures[key]

    def __len__(self) -> int:
        return len(self._failures)


class SignInThrottle:
    """What a sign-in answers to: its address and the name tried, or, from a browser where
    that person signed in before (its mark's id, `device`), only that browser's own failures."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        longest, forget, capacity = settings.login_longest_wait_seconds, settings.login_forget_after_seconds, settings.login_throttle_keys
        self.addresses = Backoff(settings.login_free_failures_per_address, longest, forget, capacity, clock)
        self.names = Backoff(settings.login_free_failures_per_name, longest, forget, capacity, clock)

    def keys(self, address: str, name: str, device: str | None) -> list[tuple[Backoff, str]]:
        if device is not None and self.names.wait(f"device:{device}") == 0:
            return [(self.names, f"device:{device}")]
        return [(self.addresses, f"address:{address_key(address)}"), (self.names, f"name:{name}")]

    @staticmethod
    def wait(keys: list[tuple[Backoff, str]]) -> float:
        return max(backoff.wait(key) for backoff, key in keys)

    @staticmethod
    def fail(keys: list[tuple[Backoff, str]]) -> None:
        for backoff, key in keys:
            backoff.fail(key)


def address_key(host: str) -> str:
    """An IPv4 address, or an IPv6 address's /64: one machine is given a whole /64."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
