"""A network thermal printer for tests: a real TCP server on 127.0.0.1 (random port) in a thread.

It records the bytes of every connection, decodes them as they arrive (answering real-time
status queries the way a printer does), and can misbehave:
- PAPER_OUT: answers DLE EOT 4 with "paper out" (and DLE EOT 1 with "offline");
- CLOSE_MID_JOB: resets the connection after `close_after` bytes of a job;
- HANG: never accepts (its accept queue is full), so connecting times out;
- SILENT: prints but never answers a status query, like many cheap printers.
`faulty_connections` limits the fault to the first n connections, for a printer that recovers.
"""

import selectors
import socket
import struct
import threading
from dataclasses import dataclass, field
from enum import StrEnum

from escpos_decoder import EscposDecoder, StatusQuery

from printer.status import PaperState, encode_online, encode_paper


class Fault(StrEnum):
    NONE = "none"
    PAPER_OUT = "paper_out"
    CLOSE_MID_JOB = "close_mid_job"
    HANG = "hang"
    SILENT = "silent"


@dataclass
class Connection:
    received: bytearray = field(default_factory=bytearray)
    decoder: EscposDecoder = field(default_factory=EscposDecoder)
    reset_by_printer: bool = False

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
        self._wake_write.send(b"x")
        if self._thread.is_alive():
            self._thread.join(5)
        for sock in (*self._fillers, self._listener, self._wake_read, self._wake_write):
            sock.close()

    def wait_for_connections(self, count: int, timeout: float = 10) -> list[Connection]:
        """Block until `count` connections have finished; returns them."""
        with self._finished:
            if not self._finished.wait_for(lambda: len(self.connections) >= count, timeout):
                raise TimeoutError(f"{len(self.connections)} of {count} connections finished")
            return list(self.connections)

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
                    live[client] = (Connection(), self.fault if self._faulty(opened) else Fault.NONE)
                    opened += 1
                    selector.register(client, selectors.EVENT_READ)
                    continue
                connection, fault = live[sock]  # type: ignore[index]
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
        connection.received += chunk
        for command in connection.decoder.feed(chunk):
            if isinstance(command, StatusQuery) and fault is not Fault.SILENT:
                sock.sendall(self._answer(command.kind, fault))
        if fault is Fault.CLOSE_MID_JOB and len(connection.received) >= self.close_after:
            # Linger 0: close sends RST at once, as a printer that loses power or reboots.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.reset_by_printer = True
            return True
        return False

    @staticmethod
    def _answer(kind: int, fault: Fault) -> bytes:
        paper_out = fault is Fault.PAPER_OUT
        if kind == 4:
            return encode_paper(PaperState.OUT if paper_out else PaperState.OK)
        return encode_online(not paper_out)
