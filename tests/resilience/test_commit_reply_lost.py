"""The wart, made deterministic: PostgreSQL applies a payment's COMMIT, then the
connection drops before the service hears the answer (what a database crash does to a
commit caught at the wrong moment). The payment is in the books; the client must not be
told it failed, and its retry must not apply it again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests import conftest
from tests.databases import fresh_database
from tests.resilience import drill
from tests.resilience.proxy import CommitReplyLoser
from walletguard import schema

pytestmark = pytest.mark.skipif(not conftest._postgres_available(),
                                reason="needs PostgreSQL on 127.0.0.1:5432")
TOP_UP = 100_000


@dataclass
class LostReply:
    before: drill.Attempt  # a payment through the proxy that went through normally
    first_status: int | None
    first_code: str | None
    retry: drill.Attempt  # the same key sent again once the connection is back
    books: drill.Books
    verdict: drill.Verdict


@pytest.fixture(scope="module")
def lost_reply(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LostReply]:
    tmp = tmp_path_factory.mktemp("lost-reply")
    with fresh_database("postgresql", tmp) as url:
        schema.upgrade(url)
        platform = drill.platform_for(url, tmp)
        try:
            books = drill.seed(platform, owners=1, top_up=TOP_UP)
        finally:
            platform.db.dispose()
        address = make_url(url)
        proxy = CommitReplyLoser(address.port or 5432)
        server = drill.Server(proxy.url(str(address.database)), tmp, workers=1)
        server.start()
        try:
            with httpx.Client(base_url=server.base, timeout=drill.REQUEST_TIMEOUT) as http:
                before = drill.Attempt(owner=0, key="before", amount=300,
                                       merchant_id=books.merchant_id)
                drill.pay_once(http, books, before)
                books.record(before)
                proxy.arm()
                cut = drill.Attempt(owner=0, key="cut", amount=700,
                                    merchant_id=books.merchant_id)
                drill.pay_once(http, books, cut)
                books.record(cut)
                assert proxy.lost.wait(5), "the proxy saw no COMMIT to cut"
                first_status, first_code = cut.status, cut.code
                drill.pay_once(http, books, cut)
            verdict = drill.audit_books(url, books)
            yield LostReply(before=before, first_status=first_status, first_code=first_code,
                            retry=cut, books=books, verdict=verdict)
        finally:
            server.stop()
            proxy.close()


def test_a_payment_whose_commit_reply_was_lost_is_applied_once_and_replayed(
    lost_reply: LostReply,
) -> None:
    assert lost_reply.before.status == 201
    assert (lost_reply.first_status, lost_reply.first_code) in {(201, None),
                                                                (503, "unavailable")}
    assert lost_reply.retry.status == 201 and lost_reply.retry.replayed
    assert lost_reply.verdict.clean, lost_reply.verdict
    assert lost_reply.verdict.acknowledged == 2


def test_a_payment_whose_commit_reply_was_lost_is_answered_as_the_success(
    lost_reply: LostReply,
) -> None:
    assert lost_reply.first_status == 201

