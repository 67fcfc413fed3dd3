"""Property-based fuzz of the whole API from its own schema (schemathesis), against the live test server.

For each key scope, every operation gets a few generated requests, valid by the schema: none may answer
5xx, and no answer may contradict the schema (status code, content type, body, headers). Bounded in
examples per operation and in total time, so the suite stays fast."""

import time

import httpx
import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from sellercenter.models import ApiScope
from tests.sellercenter.factories import ShopFactory, api_key_secret

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES_PER_OPERATION = 3
SECONDS_PER_SCOPE = 30
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def raw_schema(live_server):
    response = httpx.get(f"{live_server.url}/api/schema/?format=json", timeout=30)
    assert response.status_code == 200
    return response.json()


def _operations(raw_schema, base_url: str):
    schema = schemathesis.openapi.from_dict(raw_schema)
    schema.config.update(base_url=base_url)
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(operation, base_url: str, headers: dict, deadline: float) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        if time.monotonic() > deadline:
            return
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("scopes", [[ApiScope.STOREFRONT], [ApiScope.BACK_OFFICE]], ids=["storefront", "back_office"])
@override_settings(
    API_RATE_PER_ADDRESS="100000/minute",
    API_RATE_PER_KEY="100000/minute",
    API_RATE_VOUCHER_VALIDATE="100000/minute",
    API_RATE_QUOTE="100000/minute",
)
def test_no_generated_request_gets_a_server_error_or_an_answer_the_schema_denies(raw_schema, live_server, scopes):
    shop = ShopFactory(slug=f"fuzz-{scopes[0]}")
    headers = {"Authorization": f"Api-Key {api_key_secret(shop, scopes)}"}
    deadline = time.monotonic() + SECONDS_PER_SCOPE
    fuzzed = 0
    for operation in _operations(raw_schema, live_server.url):
        _fuzz(operation, live_server.url, headers, deadline)
        fuzzed += 1

    assert fuzzed > 50
