"""The worker delivers every message exactly once per idempotency key to real receivers on
loopback, even when it is SIGKILLed mid-delivery and restarted and the receivers refuse
the first attempts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests import factories
from tests.conftest import server_env
from tests.notifications.receivers import smtp_server, webhook_server
from walletguard.notifications import service as notifications
from walletguard.notifications.models import OutboxMessage
from walletguard.runtime import Platform

FAST_POLICY = """
[notifications]
backoff_base_seconds = 0.2
backoff_max_seconds = 1.0
lease_seconds = 2.0
delivery_timeout_seconds = 1.0
poll_seconds = 0.1
max_attempts = 8
"""


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    exe = shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([exe, "worker"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _pending(platform: Platform) -> int:
    with platform.db.transaction() as db:
        return db.execute(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.delivered_at.is_(None))).scalar_one()


def test_each_message_reaches_smtp_and_webhook_receivers_once_across_a_sigkill(
        platform: Platform, tmp_path: Path, data_dir: Path) -> None:
    owner = factories.register_owner(platform)
    now = platform.clock.now()
    with smtp_server(fail_first=2) as (smtp_port, mail):
        with platform.db.transaction() as db:
            added = notifications.add_partner(db, vault=platform.keys.vault, key="bank-a",
                                              name="Bank A", category="bank",
                                              webhook_url="http://placeholder", now=now)
        with webhook_server(added.secret.encode(), fail_first=2) as (url, hooks):
            with platform.db.transaction() as db:
                db.get(type(added.partner), "bank-a").webhook_url = url  # type: ignore[union-attr]
                notifications.set_settings(db, vault=platform.keys.vault,
                                           policy=platform.policy, owner=owner.principal,
                                           locale="en", email="chen@example.test",
                                           clear_email=False, now=now)
                for n in range(5):
                    notifications.notify_owner(db, topic="wallet.frozen", user_id=owner.user_id,
                                               payload={"n": n}, now=now)
                    notifications.enqueue(db, topic="partner.lost_phone", user_id=owner.user_id,
                                          recipients=notifications.partner_recipients(db),
                                          payload={"event": notifications.LOST_DEVICE_EVENT,
                                                   "incident_id": f"inc_{n}"}, now=now)
                ids = list(db.execute(select(OutboxMessage.id, OutboxMessage.channel)))
            webhook_keys = [f"wg-{i}" for i, channel in ids if channel == "webhook"]
            email_keys = [f"wg-{i}" for i, channel in ids if channel == "email"]
            hooks.hold, hooks.hold_seconds = webhook_keys[2], 5.0

            policy = tmp_path / "policy.toml"
            policy.write_text(FAST_POLICY)
            env = {**server_env(platform.settings.resolved_database_url, data_dir),
                   "WALLETGUARD_POLICY_FILE": str(policy),
                   "WALLETGUARD_SMTP_HOST": "127.0.0.1",
                   "WALLETGUARD_SMTP_PORT": str(smtp_port)}
            log = tmp_path / "worker.log"
            first = _worker(env, log)
            try:
                assert hooks.held.wait(60), log.read_text()[-2000:]
                # The receiver holds the message it has taken; the worker has not heard back.
                os.killpg(first.pid, signal.SIGKILL)
                first.wait(10)
                assert _pending(platform) > 0
                second = _worker(env, log)
                deadline = time.monotonic() + 90
                while _pending(platform) and time.monotonic() < deadline:
                    time.sleep(0.2)
            finally:
                for proc in (first, locals().get("second")):
                    if proc is not None and proc.poll() is None:
                        os.killpg(proc.pid, signal.SIGTERM)
                        proc.wait(15)

            assert _pending(platform) == 0, log.read_text()[-3000:]
            with platform.db.transaction() as db:
                dead = db.execute(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.dead_at.is_not(None))).scalar_one()
            assert dead == 0
            # Every message was accepted once per key, after the refused attempts ...
            assert sorted(hooks.tally.accepted) == sorted(webhook_keys)
            assert sorted(mail.accepted) == sorted(email_keys)
            assert all(hooks.tally.tries[k] >= 3 for k in webhook_keys)
            assert all(mail.tries[k] >= 3 for k in email_keys)
            assert hooks.refused == 0
            # ... and the one in flight when the worker died came again with the same key
            # (what receivers dedupe on); none other was sent twice once acknowledged.
            assert hooks.tally.raw[hooks.hold] >= 2
            assert all(hooks.tally.raw[k] == 1 for k in webhook_keys if k != hooks.hold)
            assert all(mail.raw[k] == 1 for k in email_keys)
            assert all(m["To"] == "chen@example.test" for m in mail.accepted.values())
