"""JSON log lines: one per request, one per business event, and every other record.

What a line may carry is decided here, once, so no caller can add a secret by accident:

* never a token, API key, password, PIN, phone number, name, ID number, free text a user
  wrote (reasons, messages), a URL path or query (they hold ids and search terms), a
  header, or an exception's message (it may quote input): only the exception's type and
  where it was raised;
* never a client IP address. An address is personal data (it identifies a subscriber to
  whoever holds the carrier's records), so a line carries ``client``: a keyed digest of
  the address under a server secret and the UTC day. It tells an operator that two
  requests came from one address on one day, not which address, and it does not link
  days. Whoever holds the server secret can test candidate addresses; such a person
  holds the database already.
* user ids are left out too: they are pseudonyms, still personal data, and they are kept
  where access is controlled (the audit log, reachable through the staff API).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import socket
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "walletguard_request_id", default=None)

# The two shapes that proxies and clients generate (nginx's $request_id and W3C trace ids
# are 32 hex digits; most client libraries send a UUID). No phone number, name or ID
# number has either shape, so an id accepted from outside cannot smuggle one into a log.
_ACCEPTED_ID = re.compile(
    r"[0-9A-Fa-f]{32}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def accept_request_id(given: str | None) -> str:
    """The caller's request id when it has an accepted shape, else a new one. A refused
    id is dropped, never logged (it could be anything)."""
    if given is not None and _ACCEPTED_ID.fullmatch(given):
        return given
    return secrets.token_hex(16)


def instance() -> str:
    """Which process wrote a line: host and pid (one uvicorn worker each)."""
    return f"{socket.gethostname()}/{os.getpid()}"


def client_pseudonym(key: bytes, address: str | None, *, today: datetime | None = None) -> str:
    if not address:
        return "-"
    day = (today or datetime.now(UTC)).strftime("%Y-%m-%d")
    return hmac.new(key, f"{day}|{address}".encode(), hashlib.sha256).hexdigest()[:16]


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Fields given as ``extra={"fields": {...}}`` are merged
    in; they are the caller's to keep clean (the request and event lines below are the
    only callers that pass any). Other records get the request and trace ids current
    when they are formatted."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "instance": instance(),
        }
        fields = getattr(record, "fields", None)
        line.update(fields if isinstance(fields, dict) else _context())
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = _exception(record.exc_info[0], record.exc_info[2])
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


def _exception(kind: type[BaseException], tb: TracebackType | None) -> dict[str, Any]:
    """Type and stack, without the message: ``ValueError("invalid literal … '1391…'")``
    would put the input in the log."""
    frames = traceback.extract_tb(tb)[-8:]
    return {"type": f"{kind.__module__}.{kind.__qualname__}",
            "stack": [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames]}


def _context() -> dict[str, str]:
    """The request and trace the current code runs in, taken when a line is logged (a
    handler may format it later, elsewhere)."""
    found = {}
    rid = request_id.get()
    if rid is not None:
        found["request_id"] = rid
    trace_id = _current_trace_id()
    if trace_id is not None:
        found["trace_id"] = trace_id
    return found


def _current_trace_id() -> str | None:
    try:
        from opentelemetry import trace
    except ImportError:  # the otel extra is not installed
        return None
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """``logging.config.dictConfig`` for ``walletguard serve``: uvicorn's own loggers and
    the app's all write JSON lines to stderr, in the supervisor and in every worker."""
    handler = {"class": "logging.StreamHandler", "formatter": "json",
               "stream": "ext://sys.stderr"}
    logger = {"handlers": ["json"], "level": level.upper(), "propagate": False}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": handler},
        "loggers": {name: logger for name in
                    ("uvicorn", "uvicorn.error", "uvicorn.access", "walletguard")},
    }


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr for the ``walletguard`` loggers, when nothing else has set
    logging up: not uvicorn's config above, not an embedding application, not a test
    run (whose capture on the root logger must go on seeing these records)."""
    root = logging.getLogger("walletguard")
    if root.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False


access = logging.getLogger("walletguard.access")
events = logging.getLogger("walletguard.events")


def request_line(*, method: str, route: str, status: int, duration_s: float, client: str,
                 code: str | None) -> None:
    fields: dict[str, Any] = {**_context(), "event": "request", "method": method, "route": route,
                              "status": status, "duration_ms": round(duration_s * 1000, 3),
                              "client": client}
    if code is not None:
        fields["code"] = code
    access.info("%s %s %s", method, route, status, extra={"fields": fields})


def event_line(*, action: str, outcome: str, labels: dict[str, str]) -> None:
    events.info("%s %s", action, outcome,
                extra={"fields": {**_context(), "event": "business", "action": action,
                                  "outcome": outcome, **labels}})
