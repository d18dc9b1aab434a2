"""The mails the local stack "sends", one line each in the terminal.

The API function writes each message as an `.eml` file to `OUTBOX_DIR` instead of calling
SES. Their bodies are quoted-printable, so grepping them for a download link yields broken
tokens; this prints recipient, subject and the decoded links of every new file instead.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

_LINK = re.compile(r"https?://[^\s\"'<>]+")


def mail_line(raw: bytes) -> str | None:
    """`✉ recipient · subject · links` for one RFC 5322 message; None if it is incomplete."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or message["To"] is None:
        return None
    links: list[str] = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            text = part.get_content()  # type: ignore[attr-defined]
            links.extend(link for link in _LINK.findall(text) if link not in links)
    return f"✉ {message['To']} · {message['Subject'] or '(no subject)'} · " + (
        " ".join(links) or "(no links)"
    )


class OutboxWatcher:
    """Notices new `.eml` files (complete: same size on two looks) and reports each once."""

    def __init__(self, directory: Path, report: Callable[[str], None]) -> None:
        self.directory = directory
        self.report = report
        self._done = {path.name for path in directory.glob("*.eml")}
        self._sizes: dict[str, int] = {}

    def scan(self) -> None:
        """One look at the directory: names only, so the mails of a long session cost little
        (a `Path` per file and a sort of them all: 6 ms per look at 1,000 mails)."""
        with os.scandir(self.directory) as entries:
            new = [e.name for e in entries if e.name.endswith(".eml") and e.name not in self._done]
        for name in sorted(new):
            path = self.directory / name
            size = path.stat().st_size
            if self._sizes.get(path.name) != size:
                self._sizes[path.name] = size
                continue
            line = mail_line(path.read_bytes())
            self._sizes.pop(path.name, None)
            self._done.add(path.name)
            self.report(line or f"✉ {path.name} (not a readable message)")
