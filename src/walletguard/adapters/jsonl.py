"""The file sandbox adapters write to: one JSON object a line, appended."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


def append(path: Path, record: dict[str, Any], lock: threading.Lock) -> None:
    """Append ``record`` as one line, readable only by the owner (it may hold a code).
    One short O_APPEND write is atomic across processes; ``lock`` orders this process's
    threads."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with lock:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
