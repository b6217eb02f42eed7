"""The generated client is imported from clients/python, as its README tells a user to run
it from a checkout; installing it into the tests' environment would hide a stale copy."""

from __future__ import annotations

import sys
from pathlib import Path

CLIENT_DIR = Path(__file__).resolve().parents[2] / "clients" / "python"

if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))
