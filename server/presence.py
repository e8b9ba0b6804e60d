"""Which devices are connected now: state kept in memory, not events.

A kiosk or wall display holds /ws/events open while it works. Its connects and disconnects
used to be stored as "device.fault" events and sent to every client of the center: with
thousands of display clients on one token, traffic grew with the square of their number and
the event log with every flap. Now each connection only counts here; staff and leaders read
the state (GET /api/v1/centers/{id}/devices/presence) when they want it.

The registry belongs to one server process, as its connections do. When several processes
share one database (issue 20), each will have to write its own counts to a table, on a
change of state only, and the reading route merge them.
"""

import threading
from dataclasses import dataclass
from datetime import datetime


@dataclass
class DevicePresence:
    """One device as this process sees it: its open connections, and since when it has been
    connected (or, when none is open, since when it has been gone)."""

    device_id: int
    connections: int
    since: datetime

    @property
    def online(self) -> bool:
        return self.connections > 0


class Presence:
    """Thread-safe counts of open connections per device; changes only on 0 <-> 1."""

    def __init__(self) -> None:
        self._devices: dict[int, DevicePresence] = {}
        self._lock = threading.Lock()

    def connected(self, device_id: int, now: datetime) -> bool:
        """Count one more connection; True if the device has just come (none was open)."""
        with self._lock:
            seen = self._devices.get(device_id)
            if seen is None or not seen.online:
                self._devices[device_id] = DevicePresence(device_id, 1, now)
                return True
            seen.connections += 1
            return False

    def disconnected(self, device_id: int, now: datetime) -> bool:
        """Count one connection less; True if the device has just gone (its last one closed)."""
        with self._lock:
            seen = self._devices.get(device_id)
            if seen is None or not seen.online:
                return False  # never counted: nothing to take away
            seen.connections -= 1
            if seen.online:
                return False
            seen.since = now
            return True

    def of(self, device_id: int) -> DevicePresence | None:
        """None: not seen by this process since it started."""
        with self._lock:
            seen = self._devices.get(device_id)
            return None if seen is None else DevicePresence(seen.device_id, seen.connections, seen.since)
