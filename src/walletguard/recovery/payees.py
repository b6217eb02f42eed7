"""The new-payee block after a recovery (seed 002; issue 18 §3).

For ``new_payee_block_hours`` after a recovery completes, money may leave the wallet only
to payees the owner paid before: a thief who got through recovery cannot empty the wallet
to a mule at once, while the owner keeps paying the shop and the family they always pay.

The block is read from state the money path already holds: a completed recovery starts an
observation (``restrictions.RECOVERY_SOURCE``, placed at the completion), and the payment
path reads the wallet's restrictions under its lock anyway. So a wallet with no recovery
in the window pays no extra statement; only inside the window is the payee's history read
(one indexed query). No role shortens it: an observation is never lifted early
(``restrictions.lift`` refuses), and it outlasts the block.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from walletguard.errors import NewPayeeBlocked
from walletguard.ledger import service as ledger
from walletguard.policy import Policy
from walletguard.restrictions import service as restrictions
from walletguard.restrictions.models import Restriction


def blocked_since(active: Sequence[Restriction], *, policy: Policy,
                  now: datetime) -> datetime | None:
    """When the recovery that blocks new payees now completed, or None."""
    window = timedelta(hours=policy.recovery.new_payee_block_hours)
    recoveries = [r.placed_at for r in active
                  if r.kind == restrictions.Kind.OBSERVATION
                  and r.source == restrictions.RECOVERY_SOURCE and now - r.placed_at < window]
    return max(recoveries, default=None)


def check(db: Session, *, active: Sequence[Restriction], policy: Policy, user_id: str,
          counterparty_id: str, now: datetime) -> None:
    """Refuse ``new_payee_blocked`` for money to a payee the owner never paid before the
    latest recovery, inside the block's window. ``active`` are the restrictions the
    caller read under the wallet lock."""
    since = blocked_since(active, policy=policy, now=now)
    if since is None:
        return
    if ledger.paid_before(db, user_id=user_id, counterparty_id=counterparty_id, before=since):
        return
    until = since + timedelta(hours=policy.recovery.new_payee_block_hours)
    raise NewPayeeBlocked("after a recovery, money goes only to payees you paid before "
                          "until the block ends", until=until.isoformat())
