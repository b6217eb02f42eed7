"""schemathesis, every check, against the document the real server serves, as every
role: no 5xx, every answer a documented status, content type and schema, every error a
documented problem+json code for that operation.

Bounded: ``EXAMPLES`` per operation and role, on SQLite only. The contract is the app's,
not the database's; what differs between the backends (types, NUL, locks) is covered on
both by tests/http/test_bad_input.py and the matrix. Measured on this 2-core machine:
SQLite, 12 examples, 5 roles, 48 operations: 78 s; PostgreSQL at only 4 examples: 205 s
(with other sessions' load), over the run's budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from tests.contract.roles import headers_for
from walletguard.runtime import Platform

EXAMPLES = 12

# Valid by the document yet refused by a rule JSON Schema cannot state: a check digit
# (resident ID), a numbering plan (phones), the common-PIN and password lists, a balance
# too low (402). positive_data_acceptance keeps its other defaults.
ACCEPTED_REFUSALS = ["2xx", "3xx", "401", "402", "403", "404", "409", "422", "429", "5xx"]


@pytest.fixture(scope="session")
def served_schema(server: str, database_url: str) -> schemathesis.BaseSchema:
    if not database_url.startswith("sqlite"):
        pytest.skip("fuzzed on SQLite only (the module docstring says why)")
    config = SchemathesisConfig.from_dict({
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_REFUSALS}},
        "generation": {"database": "none", "max-examples": EXAMPLES},
    })
    return schemathesis.openapi.from_url(f"{server}/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("served_schema")
def _auth_left_out(case: Case[Any]) -> bool:
    """A negative case whose headers schemathesis made wrong on purpose may be the one that
    drops the bearer credential (the security requirement): adding ours back would turn it
    into a valid request, answered 200, and be reported as negative data accepted. Such a
    case is sent with no credential, so it must be refused (401) like any bad header."""
    meta = case.meta
    if meta is None:
        return False
    headers = meta.components.get(ParameterLocation.HEADER)
    return headers is not None and headers.mode == GenerationMode.NEGATIVE


def _fuzzed_as(role: str) -> Callable[..., None]:
    """One test per role (schemathesis's lazy schema takes no parametrised fixture);
    one credential for all of that role's operations, made on first use."""
    made: dict[int, dict[str, str]] = {}

    @schema.parametrize()
    @settings(deadline=None, suppress_health_check=list(HealthCheck), database=None,
              phases=[Phase.explicit, Phase.generate])
    def fuzz(case: Case[Any], platform: Platform) -> None:
        key = id(platform.clock)  # a new clock per test: the tables were emptied
        if key not in made:
            made.clear()
            made[key] = headers_for(platform, role)
        case.call_and_validate(headers={} if _auth_left_out(case) else made[key])

    # schemathesis's parametrize returns Any; the test it makes takes these fixtures.
    return cast("Callable[..., None]", fuzz)


test_contract_as_trusted_owner = _fuzzed_as("owner")
test_contract_as_agent = _fuzzed_as("agent")
test_contract_as_teller = _fuzzed_as("teller")
test_contract_as_operator = _fuzzed_as("operator")
test_contract_without_a_token = _fuzzed_as("anonymous")
