"""A TCP proxy in front of PostgreSQL that can lose the reply to one COMMIT: the commit
reaches the database and is applied, then the connection drops before the client hears
so — the moment a database crash can pick at random, made deterministic."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

# psycopg commits with a simple-protocol Query message: 'Q', int32 length, "COMMIT\0".
COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class CommitReplyLoser:
    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.armed = threading.Event()
        self.lost = threading.Event()  # set once a COMMIT's reply was dropped
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def arm(self) -> None:
        """Drop the reply to the next COMMIT that passes (and that connection)."""
        self.lost.clear()
        self.armed.set()

    def close(self) -> None:
        self._closing = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            cut = threading.Event()
            threading.Thread(target=self._pump, args=(client, server, cut, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, cut, False),
                             daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, cut: threading.Event,
              from_client: bool) -> None:
        try:
            while chunk := src.recv(65536):
                if cut.is_set():
                    break
                losing = from_client and COMMIT in chunk and self.armed.is_set()
                if losing:
                    # Cut before the COMMIT leaves, so its answer can never be forwarded.
                    self.armed.clear()
                    cut.set()
                dst.sendall(chunk)
                if losing:
                    time.sleep(0.5)  # the database applies the commit meanwhile
                    self.lost.set()
                    break
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

