"""Stored history for the "cost flat with history" comparison, written straight into
PostgreSQL with set-based ``INSERT … SELECT generate_series`` (not through HTTP: a
million payments at a few hundred a second would take an hour).

Each unit of history is a payment by one of the seeded owners to the first merchant and
its full refund: two ledger transfers, four entries, the payment's idempotency record.
A payment and its refund net to zero on every account, so balances, the conservation
check and the bench's balance verification are unaffected; the tables and their indexes
are as large as after that many real payments.

Every row is written on its owner's key (revision 0007: ``user_id`` in every owner
table's key; the merchant's entries live on the payer's shard, ADR 0008).

    PYTHONPATH=src python bench/history.py --postgres URL --transfers 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from common import DEFAULT_DB_URL, BenchError, PgTarget

SEED_SQL = """
BEGIN;
CREATE TEMP TABLE bench_owners ON COMMIT DROP AS
  SELECT user_id, account_id, row_number() OVER (ORDER BY user_id) - 1 AS n FROM wallets;
CREATE TEMP TABLE bench_merchant ON COMMIT DROP AS
  SELECT id, account_id FROM merchants ORDER BY created_at, id LIMIT 1;
CREATE TEMP TABLE bench_pairs ON COMMIT DROP AS
  SELECT g, o.user_id, o.account_id AS wallet_account, m.id AS merchant_id,
         m.account_id AS merchant_account, 100 + g % 400 AS amount,
         now() - interval '90 days' + (g % 7776000) * interval '1 second' AS at
    FROM generate_series(:first, :last) AS g
    JOIN bench_owners o ON o.n = g % (SELECT count(*) FROM bench_owners)
    CROSS JOIN bench_merchant m;
INSERT INTO ledger_transfers (id, kind, user_id, counterparty_id, amount, currency,
                              auth_method, category, refund_of, refunded, created_at)
  SELECT 'hpay_' || g, 'payment', user_id, merchant_id, amount, 'CNY', 'pin', NULL, NULL,
         amount, at FROM bench_pairs;
INSERT INTO ledger_transfers (id, kind, user_id, counterparty_id, amount, currency,
                              auth_method, category, refund_of, refunded, created_at)
  SELECT 'href_' || g, 'refund', user_id, merchant_id, amount, 'CNY', NULL, NULL,
         'hpay_' || g, 0, at + interval '1 hour' FROM bench_pairs;
INSERT INTO ledger_entries (user_id, transfer_id, account_id, amount, created_at)
  SELECT user_id, 'hpay_' || g, wallet_account, -amount, at FROM bench_pairs
  UNION ALL SELECT user_id, 'hpay_' || g, merchant_account, amount, at FROM bench_pairs
  UNION ALL SELECT user_id, 'href_' || g, merchant_account, -amount, at FROM bench_pairs
  UNION ALL SELECT user_id, 'href_' || g, wallet_account, amount, at FROM bench_pairs;
INSERT INTO idempotency_records (user_id, scope, key, request_digest, status_code, response,
                                 created_at)
  SELECT user_id, 'owner:' || user_id, 'history-' || g, repeat('0', 64), 201, '{}', at
    FROM bench_pairs;
COMMIT;
"""
# Run at once after the load, not by autovacuum during the measurement that follows (its
# insert threshold fires on a million new rows): each its own statement, outside a
# transaction block.
TIDY = ("VACUUM (ANALYZE) ledger_transfers", "VACUUM (ANALYZE) ledger_entries",
        "VACUUM (ANALYZE) idempotency_records")


def stored_transfers(target: PgTarget) -> int:
    out = target.run("psql", "-tAq", "-d", target.dbname, "-c",
                     "SELECT count(*) FROM ledger_transfers").stdout
    return int(out.strip())


def seed_history(target: PgTarget, transfers: int) -> dict[str, float]:
    """Add payment + refund pairs until ``ledger_transfers`` holds at least ``transfers``
    rows; returns the count reached and the seconds it took."""
    started = time.monotonic()
    have = stored_transfers(target)
    pairs = max(0, -(-(transfers - have) // 2))
    if pairs:
        first = int(time.time() * 1000) * 10  # unique across calls on one database
        sql = SEED_SQL.replace(":first", str(first)).replace(":last", str(first + pairs - 1))
        with tempfile.NamedTemporaryFile("w", suffix=".sql", encoding="utf-8") as script:
            script.write(sql)
            script.flush()
            target.run("psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", target.dbname,
                       "-f", script.name, timeout=3600)
        for statement in TIDY:
            target.run("psql", "-q", "-d", target.dbname, "-c", statement, timeout=3600)
    return {"transfers": stored_transfers(target),
            "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=DEFAULT_DB_URL, help="a migrated, seeded database")
    parser.add_argument("--transfers", type=int, default=1_000_000,
                        help="ledger transfers to reach")
    args = parser.parse_args()
    print(seed_history(PgTarget.from_url(args.postgres), args.transfers))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench: {error}")
