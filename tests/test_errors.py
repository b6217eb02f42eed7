"""The error family's own rules: what every raise site must give."""

from __future__ import annotations

from datetime import timedelta

import pytest

from walletguard.errors import RateLimited, Unavailable


def test_a_rate_limit_without_a_retry_after_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="retry_after"):
        RateLimited("too many")


@pytest.mark.parametrize(("given", "sent"), [(3600, 3600), (0.2, 1), (0, 1),
                                             (timedelta(minutes=14, seconds=59.5), 900)])
def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one(
    given: float | timedelta, sent: int,
) -> None:
    assert RateLimited("too many", retry_after=given).problem()["retry_after"] == sent
    assert Unavailable("busy", retry_after=given).problem()["retry_after"] == sent


@pytest.mark.parametrize("given", [-1, float("inf"), float("nan")])
def test_retry_after_must_be_a_real_delay(given: float) -> None:
    with pytest.raises(ValueError, match="retry_after"):
        RateLimited("too many", retry_after=given)
