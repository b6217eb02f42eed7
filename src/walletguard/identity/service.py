"""Owners: registration, look-up by phone, the masked profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from walletguard import text
from walletguard.audit import service as audit
from walletguard.auth import throttle
from walletguard.auth.principal import Principal, Role
from walletguard.crypto import Keyring, PiiVault
from walletguard.db import judged, new_id
from walletguard.errors import Conflict, InvalidInput, NotFound, RateLimited
from walletguard.identity import validation
from walletguard.identity.models import PhoneClaim, TrustedContact, User
from walletguard.ledger import service as ledger
from walletguard.notifications import service as notifications
from walletguard.policy import HOURLY_WINDOW, Policy
from walletguard.restrictions import service as restrictions


@dataclass(frozen=True)
class Registration:
    phone: str
    password: str
    real_name: str
    id_number: str


def register(
    db: Session, *, keys: Keyring, policy: Policy, data: Registration, now: datetime,
    client_ip: str | None = None,
) -> User:
    """Create an owner with an empty wallet. PII is sealed before it reaches the session.

    Sign-ups from one ``client_ip`` are counted (refusals too: a 409 tells whether a phone
    is registered, so probing for accounts is what the limit slows down). Without one the
    caller is in-process (``http.deps.client_ip`` refuses network requests without an
    address) and nothing is counted."""
    tried = 0
    if client_ip is not None:
        key = f"register:ip:{client_ip}"
        tried = throttle.hit(db, key=key, window=HOURLY_WINDOW, now=now)
    # The sign-up is counted above, before the savepoint: a refusal below keeps the count.
    with judged(db):
        if tried > policy.login.registrations_per_ip_per_hour:
            raise RateLimited("too many sign-ups from this address; try again later",
                              retry_after=throttle.seconds_left(db, key=key,
                                                                window=HOURLY_WINDOW, now=now))
        return _register(db, keys=keys, policy=policy, data=data, now=now)


def _register(
    db: Session, *, keys: Keyring, policy: Policy, data: Registration, now: datetime
) -> User:
    vault = keys.vault
    phone = validation.normalize_phone(data.phone)
    id_number = validation.normalize_resident_id(data.id_number, today=now.date())
    real_name = text.person_name(data.real_name, field="real_name", max_length=text.PERSON_NAME_MAX)
    validation.check_password(data.password, context=(phone[-8:], id_number[-6:]))
    phone_index = vault.blind_index("phone", phone)
    user_id = new_id("usr")
    if not _claim_phone(db, phone_index=phone_index, user_id=user_id, now=now):
        raise Conflict("an account with this phone already exists", field="phone")
    user = User(
        id=user_id,
        phone_index=phone_index,
        phone_sealed=vault.seal("phone", phone),
        real_name_sealed=vault.seal("real_name", real_name),
        id_number_sealed=vault.seal("id_number", id_number),
        password_hash=keys.passwords.hash(data.password),
        account_class=2,
        created_at=now,
    )
    db.add(user)
    db.flush()
    ledger.open_wallet(db, user_id=user.id, policy=policy, now=now)
    audit.append(db, actor=f"owner:{user.id}", action="user.registered", subject=user.id,
                 at=now, chain=user.id)
    return user


def _claim_phone(db: Session, *, phone_index: str, user_id: str, now: datetime) -> bool:
    """Claim the phone for ``user_id`` by one conditional insert into the lookup table: of
    concurrent sign-ups with one phone, the later ones wait for the first to commit and
    then find it claimed (a global uniqueness that holds on one node and on many)."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    claimed = db.execute(
        insert(PhoneClaim).values(phone_index=phone_index, user_id=user_id, claimed_at=now)
        .on_conflict_do_nothing(index_elements=["phone_index"])
        .returning(PhoneClaim.user_id)
    ).one_or_none()
    return claimed is not None


def find_by_phone(db: Session, *, vault: PiiVault, phone: str) -> User | None:
    """The owner of a phone: its claim (keyed by the phone), then the user by id."""
    try:
        e164 = validation.normalize_phone(phone)
    except Exception:
        return None
    owner = db.execute(
        select(PhoneClaim.user_id)
        .where(PhoneClaim.phone_index == vault.blind_index("phone", e164))
    ).scalar_one_or_none()
    return None if owner is None else db.get(User, owner)


def check_password(keys: Keyring, user: User | None, password: str) -> bool:
    """Constant work whether or not the user exists."""
    try:
        stored = user.password_hash if user else keys.dummy_password_hash
        return keys.passwords.verify(stored, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def get_user(db: Session, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def phone_of(db: Session, *, vault: PiiVault, user_id: str) -> str:
    """The account phone (E.164), for the SMS port: decrypted only to send."""
    return vault.open("phone", get_user(db, user_id).phone_sealed)


@dataclass(frozen=True)
class Profile:
    id: str
    phone_masked: str
    name_masked: str


def profile(db: Session, *, vault: PiiVault, user_id: str) -> Profile:
    user = get_user(db, user_id)
    return Profile(
        id=user.id,
        phone_masked=validation.mask_phone(vault.open("phone", user.phone_sealed)),
        name_masked=validation.mask_name(vault.open("real_name", user.real_name_sealed)),
    )


def me(db: Session, *, vault: PiiVault, owner: Principal, now: datetime) -> dict[str, Any]:
    """The owner's own account as ``GET /v1/me`` shows it: masked phone and name, one word
    for its state (the strictest restriction in force) and those restrictions, who placed
    them in words (never an actor ref)."""
    owner.require(Role.OWNER, untrusted_ok=True)
    found = profile(db, vault=vault, user_id=str(owner.user_id))
    active = restrictions.active(db, user_id=found.id, now=now)
    return {"id": found.id, "phone_masked": found.phone_masked,
            "name_masked": found.name_masked, "state": restrictions.state_of(active),
            "restrictions": [restrictions.view(r, for_owner=True) for r in active]}


def details_match(
    user: User, *, vault: PiiVault, real_name: str, id_number_last4: str
) -> bool:
    """For the public lost-phone report: name and the last four ID characters. Names
    are compared in NFC, so "é" typed as one character or as "e" plus an accent is one
    name, whichever way it was registered (rows from before NFC-on-register included)."""
    name_ok = text.same_name(vault.open("real_name", user.real_name_sealed), real_name)
    last4 = vault.open("id_number", user.id_number_sealed)[-4:]
    return name_ok and last4 == id_number_last4.strip().upper()


@dataclass(frozen=True)
class ContactEntry:
    phone: str
    relation: str


@dataclass(frozen=True)
class ContactView:
    user_id: str
    phone_masked: str
    name_masked: str
    relation: str
    added_at: datetime


def set_trusted_contacts(
    db: Session, *, keys: Keyring, policy: Policy, owner: Principal,
    contacts: list[ContactEntry], now: datetime,
) -> list[ContactView]:
    """Name the 3–5 owners who may approve a recovery and hear of a lost phone, at once.
    The owner's own requests go through ``recovery.channel_changes`` (a fresh step-up and a
    cooling-off window the old list can cancel in); this is the change itself. Contacts
    kept from the previous list keep their ``added_at`` (a contact added recently cannot
    approve a recovery); the owner is told on every channel."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    ledger.lock_wallet(db, user_id)
    restrictions.check(db, user_id=user_id, action=restrictions.Action.SETTINGS, now=now)
    chosen = validate_trusted_contacts(db, keys=keys, policy=policy, user_id=user_id,
                                       contacts=contacts)
    replace_trusted_contacts(db, user_id=user_id, chosen=chosen, actor=owner.ref, now=now)
    return trusted_contacts(db, keys=keys, owner=owner)


def validate_trusted_contacts(
    db: Session, *, keys: Keyring, policy: Policy, user_id: str, contacts: list[ContactEntry],
) -> dict[str, str]:
    """The contacts' user ids with their relation, or ``invalid_input`` naming the entry."""
    rules = policy.trusted_contacts
    if not rules.min_contacts <= len(contacts) <= rules.max_contacts:
        raise InvalidInput(f"name between {rules.min_contacts} and {rules.max_contacts} "
                           "trusted contacts", field="contacts")
    chosen: dict[str, str] = {}
    for index, entry in enumerate(contacts):
        relation = text.free_text(entry.relation, field=f"contacts.{index}.relation",
                                  max_length=text.LABEL_MAX)
        contact = find_by_phone(db, vault=keys.vault, phone=entry.phone)
        if contact is None:
            raise InvalidInput("a trusted contact must be a walletguard owner",
                               field=f"contacts.{index}.phone")
        if contact.id == user_id:
            raise InvalidInput("you cannot be your own trusted contact",
                               field=f"contacts.{index}.phone")
        if contact.id in chosen:
            raise InvalidInput("each trusted contact once", field=f"contacts.{index}.phone")
        chosen[contact.id] = relation
    return chosen


def replace_trusted_contacts(db: Session, *, user_id: str, chosen: dict[str, str], actor: str,
                             now: datetime) -> None:
    """Make ``chosen`` (validated) the owner's contacts; the caller holds the wallet lock.
    A new contact's ``added_at`` is ``now``: its maturing starts when the change applies."""
    current = {c.contact_user_id: c for c in db.execute(
        select(TrustedContact).where(TrustedContact.user_id == user_id)).scalars()}
    for contact_id, row in current.items():
        if contact_id not in chosen:
            db.delete(row)
        else:
            row.relation = chosen[contact_id]
    for contact_id, relation in chosen.items():
        if contact_id not in current:
            db.add(TrustedContact(user_id=user_id, contact_user_id=contact_id,
                                  relation=relation, added_at=now))
    db.flush()
    audit.append(db, actor=actor, action="trusted_contacts.set", subject=user_id, at=now,
                 chain=user_id, data={"contacts": sorted(chosen),
                                      "removed": sorted(set(current) - set(chosen))})
    notifications.notify_owner(db, topic="trusted_contacts.changed", user_id=user_id, now=now,
                               payload={"count": len(chosen)})


def set_phone(db: Session, *, keys: Keyring, user_id: str, phone: str, actor: str,
              now: datetime) -> bool:
    """Make ``phone`` (E.164) the account phone; the caller holds the wallet lock. False,
    changing nothing, when another account has that phone by now."""
    index = keys.vault.blind_index("phone", phone)
    if db.execute(select(User.id).where(User.phone_index == index)).first():
        return False
    user = get_user(db, user_id)
    user.phone_index, user.phone_sealed = index, keys.vault.seal("phone", phone)
    audit.append(db, actor=actor, action="identity.phone_changed", subject=user_id, at=now,
                 chain=user_id, data={"phone_last4": phone[-4:]})
    return True


def trusted_contacts(db: Session, *, keys: Keyring, owner: Principal) -> list[ContactView]:
    owner.require(Role.OWNER)
    contacts = list(db.execute(
        select(TrustedContact).where(TrustedContact.user_id == owner.user_id)
        .order_by(TrustedContact.added_at, TrustedContact.id)
    ).scalars())
    # Each contact is another owner, on another shard: read by id, not joined.
    users = {u.id: u for u in db.execute(
        select(User).where(User.id.in_([c.contact_user_id for c in contacts]))).scalars()}
    rows = [(c, users[c.contact_user_id]) for c in contacts if c.contact_user_id in users]
    return [
        ContactView(user_id=user.id,
                    phone_masked=validation.mask_phone(keys.vault.open("phone",
                                                                       user.phone_sealed)),
                    name_masked=validation.mask_name(keys.vault.open("real_name",
                                                                     user.real_name_sealed)),
                    relation=contact.relation, added_at=contact.added_at)
        for contact, user in rows
    ]
