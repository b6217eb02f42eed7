"""Credentials that say who is calling: staff API keys and owner session tokens.

Both are random, shown once, and stored only as a keyed digest. Every request looks the
digest up in the database, so a revoked key or session stops at once in every worker.

A session token names its owner: ``wgs_<user id>.<secret>`` (the digest covers the whole
token), so the check reads that owner's rows only — one shard on Citus. A token issued
before revision 0007 (``wgs_<secret>``, no owner) is no longer accepted: its owner logs in
again (docs/scaling.md).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import String, bindparam, or_, select, update
from sqlalchemy.orm import Session

from walletguard import text
from walletguard.audit import service as audit
from walletguard.auth.models import ApiKey
from walletguard.auth.principal import STAFF_ROLES, Principal, Role
from walletguard.crypto import Keyring
from walletguard.db import defer_until_commit, new_id, rowcount
from walletguard.devices.models import Device, DeviceSession
from walletguard.errors import InvalidInput, NotFound, Unauthenticated
from walletguard.policy import Policy

API_KEY_PREFIX = "wgk_"
SESSION_PREFIX = "wgs_"


def create_api_key(
    db: Session, *, keys: Keyring, role: str, name: str, actor: Principal, now: datetime
) -> tuple[ApiKey, str]:
    """Return the stored key and the secret, which is never stored or shown again."""
    allowed = ", ".join(r.value for r in STAFF_ROLES)
    if role not in {r.value for r in STAFF_ROLES}:
        raise InvalidInput(f"role must be one of {allowed} (API keys are for staff), "
                           f"not {role[:40]!r}", field="role")
    staff_role = Role(role)
    name = text.free_text(name, field="name", max_length=text.KEY_NAME_MAX)
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(id=new_id("key"), name=name, role=staff_role.value,
                 key_digest=keys.token_digest(secret), created_at=now)
    db.add(key)
    audit.append(db, actor=actor.ref, action="api_key.created", subject=key.id, at=now,
                 data={"role": staff_role.value, "name": key.name})
    return key, secret


def revoke_api_key(
    db: Session, *, key_id: str, actor: Principal, now: datetime,
    reason: str = "revoked by operator",
) -> ApiKey:
    """Revoke a staff or operator key. One conditional UPDATE decides it, so two revokes
    racing record one revocation; every worker refuses the key from its next request,
    since each request reads the key from the database. Revoking a revoked key changes
    nothing and returns it as it is."""
    revoked = db.execute(
        update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now).returning(ApiKey.id)
    ).scalar_one_or_none()
    key = db.get(ApiKey, key_id, populate_existing=True)
    if key is None:
        raise NotFound("no such API key")
    if revoked is not None:
        audit.append(db, actor=actor.ref, action="api_key.revoked", subject=key.id, at=now,
                     reason=reason, data={"role": key.role, "name": key.name})
    return key


def list_api_keys(db: Session) -> list[ApiKey]:
    return list(db.execute(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)).scalars())


def new_session_token(user_id: str) -> str:
    return f"{SESSION_PREFIX}{user_id}.{secrets.token_urlsafe(32)}"


def session_owner(token: str) -> str | None:
    """The owner a session token names, or None for a token that names none."""
    owner, dot, secret = token.removeprefix(SESSION_PREFIX).partition(".")
    return owner if dot and owner and secret else None


# The session look-up runs on every owner request. Built once, with its values as bound
# parameters: constructing a select and computing its cache key cost ≈ 0.5 ms of CPU per
# call, the execution alone ≈ 0.06 ms (bench/http_inprocess.py, docs/benchmarks.md).
_OWNER, _DIGEST = bindparam("owner", type_=String), bindparam("digest", type_=String)
_SESSION_LOOKUP = (
    select(DeviceSession.id, DeviceSession.user_id, DeviceSession.device_id,
           DeviceSession.last_used_at, DeviceSession.trusted, DeviceSession.challenge_id)
    .join(Device, (Device.user_id == DeviceSession.user_id)
          & (Device.id == DeviceSession.device_id))
    .where(DeviceSession.user_id == _OWNER, Device.user_id == _OWNER,
           DeviceSession.token_digest == _DIGEST, DeviceSession.revoked_at.is_(None),
           Device.status == "active")
)
_API_KEY_LOOKUP = select(ApiKey).where(ApiKey.key_digest == _DIGEST,
                                       ApiKey.revoked_at.is_(None))


def authenticate(
    db: Session, *, keys: Keyring, policy: Policy, token: str, now: datetime
) -> Principal:
    """The principal behind a bearer token, read from the database on every call. A
    session unused for ``login.session_idle_minutes`` has expired; its last use is written
    at most every ``login.session_touch_minutes``, to keep a write off every request."""
    sessions = policy.login
    digest = keys.token_digest(token)
    if token.startswith(API_KEY_PREFIX):
        key = db.execute(_API_KEY_LOOKUP, {"digest": digest}).scalar_one_or_none()
        if key is None:
            raise Unauthenticated("unknown or revoked API key")
        return Principal(role=Role(key.role), id=key.id)
    owner = session_owner(token) if token.startswith(SESSION_PREFIX) else None
    if token.startswith(SESSION_PREFIX):
        # On the session's connection, past the ORM's execution, which would cost as much
        # again as the statement itself for plain columns; the flush keeps what the ORM
        # would do (a no-op at the start of a request, which is where this runs).
        db.flush()
        row = None if owner is None else db.connection().execute(
            _SESSION_LOOKUP, {"owner": owner, "digest": digest}).one_or_none()
        if row is None:
            raise Unauthenticated("unknown, expired or revoked session")
        if now - row.last_used_at > timedelta(minutes=sessions.session_idle_minutes):
            raise Unauthenticated("the session expired; log in again")
        if now - row.last_used_at > sessions.session_touch:
            # Written at commit, after the use case took its wallet lock: touching the
            # session row first would invert the lock order against a lost-phone report
            # (wallet, then sessions) and could deadlock.
            session_id, user_id = row.id, row.user_id
            defer_until_commit(db, lambda s: s.execute(
                update(DeviceSession).where(DeviceSession.user_id == user_id,
                                            DeviceSession.id == session_id,
                                            DeviceSession.revoked_at.is_(None))
                .values(last_used_at=now)))
        return Principal(role=Role.OWNER, id=row.user_id, user_id=row.user_id,
                         device_id=row.device_id, session_id=row.id,
                         trusted=bool(row.trusted), challenge_id=row.challenge_id)
    raise Unauthenticated("unrecognised bearer token")


def revoke_unproven_sessions(
    db: Session, *, user_id: str, opened_since: datetime, reason: str, now: datetime
) -> int:
    """End every untrusted session of the owner and every session opened at or after
    ``opened_since`` (while a freeze or lock stood): a lift proves the owner, not whoever
    logged in meanwhile. Returns how many sessions ended."""
    return rowcount(db.execute(
        update(DeviceSession)
        .where(DeviceSession.user_id == user_id, DeviceSession.revoked_at.is_(None),
               or_(DeviceSession.trusted.is_(False), DeviceSession.created_at > opened_since))
        .values(revoked_at=now, revoke_reason=reason[:60])
    ))
