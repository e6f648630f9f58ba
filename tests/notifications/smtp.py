"""A small SMTP server for tests: it records each message it receives, and can be
told to go silent after receiving one, as a server does when the client process
is killed before the final reply reaches it."""

import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    # Until cleared, the server keeps silent after DATA (the client waits).
    hang_after_data: threading.Event = field(default_factory=threading.Event)


class _Session(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 localhost test SMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 localhost")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self._read_message()
            elif command == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")

    def _read_message(self) -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line)
        self.mailbox.messages.append(b"".join(lines))
        self.mailbox.received.set()
        if self.mailbox.hang_after_data.is_set():
            # Never answer: the client is killed while waiting for "250".
            self.rfile.readline()
            return
        self.reply("250 OK: queued")


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        handler = type("Session", (_Session,), {"mailbox": self.mailbox})
        super().__init__(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> "SMTPServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()
        self.server_close()
