"""The attack suite: each test replays an attack found against ``walletguard serve``
through a real 2-worker server (the session ``server`` fixture of tests/conftest.py) on
both databases, and shows it fails with nothing changed. Data is set up through the real
use cases (tests/factories) on the same database the server uses."""

from __future__ import annotations
