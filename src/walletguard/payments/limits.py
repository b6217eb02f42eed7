"""The limits a payment must fit, as pure functions of the policy and a wallet's own
settings and counters — the one place the daily caps and the password-free allowance
are computed, for the money path and for the owner's views alike."""

from __future__ import annotations

from datetime import date

from walletguard.ledger.models import Wallet
from walletguard.policy import LimitsProfile, Policy

#: The largest amount one request may move, in minor units (10^11 fen = 1 billion yuan):
#: far above any limit, and small enough that sums of many never near the 64-bit range.
MAX_AMOUNT = 10**11


def daily_cap(policy: Policy, wallet: Wallet, *, observed: bool) -> int:
    """What may leave the wallet today by every method together: the owner's own limit,
    never above the two-factor limit of the profile, reduced under observation."""
    cap = min(wallet.daily_limit, policy.limits.two_factor_daily)
    if observed:
        cap = int(cap * policy.restrictions.observation_limit_factor)
    return cap


def password_free_caps(limits: LimitsProfile, *, per_payment: int | None,
                       daily: int | None) -> tuple[int, int]:
    """The password-free limits an owner's settings give (``None``: the profile's),
    never above the regulatory profile's."""
    per = min(per_payment or limits.password_free_per_payment, limits.password_free_per_payment)
    per_day = min(daily or limits.password_free_daily, limits.password_free_daily,
                  limits.single_factor_daily)
    return per, per_day


def wallet_password_free_caps(limits: LimitsProfile, wallet: Wallet) -> tuple[int, int]:
    return password_free_caps(limits, per_payment=wallet.password_free_per_payment,
                              daily=wallet.password_free_daily)


def loosens_password_free(limits: LimitsProfile, wallet: Wallet, *, per_payment: int | None,
                          daily: int | None) -> bool:
    """Would these settings allow more without a PIN than the wallet allows now?"""
    if not wallet.password_free_enabled:
        return True
    old_per, old_daily = wallet_password_free_caps(limits, wallet)
    new_per, new_daily = password_free_caps(limits, per_payment=per_payment, daily=daily)
    return new_per > old_per or new_daily > old_daily


def password_free_refusal(policy: Policy, wallet: Wallet, amount: int, *,
                          observed: bool) -> str | None:
    """Why this payment may not go without a PIN, or ``None`` if it may. The wallet's
    day counters are today's (the caller rolled them)."""
    if observed:
        return "password-free payments are off while the wallet is under observation"
    if not wallet.password_free_enabled:
        return "password-free payments are not enabled"
    per, daily = wallet_password_free_caps(policy.limits, wallet)
    if amount > per:
        return f"above the password-free limit of {per} per payment"
    if wallet.password_free_spent_today + amount > daily:
        return f"above the password-free limit of {daily} per day"
    if wallet.password_free_in_a_row >= policy.limits.password_free_consecutive:
        return "confirm with your PIN after several password-free payments in a row"
    return None


def spent_today(wallet: Wallet, today: date) -> tuple[int, int]:
    """(all methods, password-free) spent today; counters of another day count as 0."""
    if wallet.counter_day != today:
        return 0, 0
    return wallet.spent_today, wallet.password_free_spent_today
