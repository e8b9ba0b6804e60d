"""A network thermal printer for tests: a real TCP server on 127.0.0.1 (random port) in a thread.

It records the bytes of every connection, decodes them as they arrive (answering real-time
status queries, DLE EOT 1-4, the way a printer does), and can misbehave:
- PAPER_OUT: "paper out" (DLE EOT 4), stopped at paper end (2), offline (1);
- COVER_OPEN: cover open (DLE EOT 2), offline (1);
- CUTTER_ERROR: an autocutter error (DLE EOT 3) and "an error occurred" (2);
- CLOSE_MID_JOB: resets the connection after `close_after` bytes of a job;
- HANG: never accepts (its accept queue is full), so connecting times out;
- STALL: accepts the connection and never reads a byte;
- STALL_AFTER_STATUS: answers the first status query, then stops reading;
- SILENT: prints but never answers a status query, like many cheap printers;
- LIAR: answers every status query with a byte that is no status reply.
`faulty_connections` limits the fault to the first n connections, and `recover()` ends it for
the connections that follow: a printer that comes back.
"""

import selectors
import socket
import struct
import threading
from dataclasses import dataclass, field
from enum import StrEnum

from escpos_decoder import EscposDecoder, StatusQuery

from printer.status import PaperState, encode_error_cause, encode_offline_cause, encode_online, encode_paper


class Fault(StrEnum):
    NONE = "none"
    PAPER_OUT = "paper_out"
    CLOSE_MID_JOB = "close_mid_job"
    HANG = "hang"
    SILENT = "silent"
    COVER_OPEN = "cover_open"
    CUTTER_ERROR = "cutter_error"
    STALL = "stall"
    STALL_AFTER_STATUS = "stall_after_status"
    LIAR = "liar"


@dataclass
class Connection:
    received: bytearray = field(default_factory=bytearray)
    decoder: EscposDecoder = field(default_factory=EscposDecoder)
    reset_by_printer: bool = False
    answered: int = 0  # status queries answered

    @property
    def commands(self) -> list[object]:
        return self.decoder.commands


class VirtualPrinter:
    def __init__(
        self, fault: Fault = Fault.NONE, close_after: int = 4096, faulty_connections: int | None = None, port: int = 0
    ) -> None:
        self.fault = fault
        self.close_after = close_after
        self.faulty_connections = faulty_connections
        self.connections: list[Connection] = []  # finished ones, in order
        self.stalled: list[Connection] = []  # connections it stopped reading
        self.accepted = 0
        self._finished = threading.Condition()
        self._listener = socket.create_server(("127.0.0.1", port), backlog=0 if fault is Fault.HANG else 8)
        self.port = self._listener.getsockname()[1]
        self._fillers: list[socket.socket] = []
        self._wake_read, self._wake_write = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name=f"virtual printer :{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> "VirtualPrinter":
        if self.fault is Fault.HANG:
            # With a backlog of 0 the kernel queues one connection; this one fills the queue,
            # so every later SYN is dropped and the client's connect() times out.
            self._fillers.append(socket.create_connection(("127.0.0.1", self.port)))
        else:
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._listener.fileno() == -1:
            return  # stopped already
        self._wake_write.send(b"x")
        if self._thread.is_alive():
            self._thread.join(5)
        for sock in (*self._fillers, self._listener, self._wake_read, self._wake_write):
            sock.close()

    def recover(self) -> None:
        """The fault is over (paper refilled, cover closed): later connections are served well."""
        with self._finished:
            self.faulty_connections = self.accepted

    def run_out(self) -> None:
        """The fault starts now (paper runs out mid-day): from the next connection on, until
        recover(). A printer made with `faulty_connections=0` starts well."""
        with self._finished:
            self.faulty_connections = None

    def printed(self) -> list[Connection]:
        """The finished connections that carried a whole ticket (a cut at the end)."""
        with self._finished:
            return [c for c in self.connections if any(type(cmd).__name__ == "Cut" for cmd in c.commands)]

    def wait_for(self, condition, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
        """Block until `condition(self)` holds after a connection finished or stalled."""
        with self._finished:
            if not self._finished.wait_for(lambda: condition(self), timeout):
                raise TimeoutError(f"condition not met; {len(self.connections)} connections finished")

    def wait_for_connections(self, count: int, timeout: float = 10) -> list[Connection]:
        """Block until `count` connections have finished; returns them."""
        with self._finished:
            if not self._finished.wait_for(lambda: len(self.connections) >= count, timeout):
                raise TimeoutError(f"{len(self.connections)} of {count} connections finished")
            return list(self.connections)

    def _stall(self, connection: Connection) -> None:
        with self._finished:
            self.stalled.append(connection)
            self._finished.notify_all()

    def _faulty(self, index: int) -> bool:
        return self.faulty_connections is None or index < self.faulty_connections

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        opened = 0
        live: dict[socket.socket, tuple[Connection, Fault]] = {}
        while True:
            for key, _ in selector.select():
                sock = key.fileobj
                if sock is self._wake_read:
                    for client in live:
                        client.close()
                    selector.close()
                    return
                if sock is self._listener:
                    client, _ = self._listener.accept()
                    with self._finished:
                        fault = self.fault if self._faulty(opened) else Fault.NONE
                        opened = self.accepted = opened + 1
                    live[client] = (Connection(), fault)
                    if fault is Fault.STALL:
                        self._stall(live[client][0])  # kept open, never read
                    else:
                        selector.register(client, selectors.EVENT_READ)
                    continue
                connection, fault = live[sock]  # type: ignore[index]
                if fault is Fault.STALL_AFTER_STATUS and connection.answered:
                    selector.unregister(sock)
                    self._stall(connection)
                    continue
                if self._receive(sock, connection, fault):  # type: ignore[arg-type]
                    selector.unregister(sock)
                    sock.close()  # type: ignore[union-attr]
                    del live[sock]  # type: ignore[arg-type]
                    with self._finished:
                        self.connections.append(connection)
                        self._finished.notify_all()

    def _receive(self, sock: socket.socket, connection: Connection, fault: Fault) -> bool:
        """Handle readable data; True when the connection is over."""
        want = 65536
        if fault is Fault.CLOSE_MID_JOB:
            want = max(1, min(want, self.close_after - len(connection.received)))
        try:
            chunk = sock.recv(want)
        except ConnectionError:
            return True
        if not chunk:
            return True
        if fault is Fault.STALL_AFTER_STATUS and connection.answered:
            return False  # (not reached: the selector stops reading it)
        connection.received += chunk
        for command in connection.decoder.feed(chunk):
            if isinstance(command, StatusQuery) and fault is not Fault.SILENT:
                sock.sendall(self._answer(command.kind, fault))
                connection.answered += 1
                if fault is Fault.STALL_AFTER_STATUS:
                    break  # what else came in this chunk is never looked at
        if fault is Fault.CLOSE_MID_JOB and len(connection.received) >= self.close_after:
            # Linger 0: close sends RST at once, as a printer that loses power or reboots.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.reset_by_printer = True
            return True
        return False

    @staticmethod
    def _answer(kind: int, fault: Fault) -> bytes:
        if fault is Fault.LIAR:
            return b"\xff"  # bits 0 and 7 set: no printer's status byte looks like this
        paper_out, cover_open, cutter = (fault is f for f in (Fault.PAPER_OUT, Fault.COVER_OPEN, Fault.CUTTER_ERROR))
        if kind == 4:
            return encode_paper(PaperState.OUT if paper_out else PaperState.OK)
        if kind == 2:
            return encode_offline_cause(cover_open=cover_open, paper_stop=paper_out, error=cutter)
        if kind == 3:
            return encode_error_cause(cutter=cutter)
        return encode_online(not (paper_out or cover_open or cutter))
