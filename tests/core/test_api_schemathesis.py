"""The OpenAPI document is exact: schemathesis generates requests from it and checks every answer.

For every operation, valid and invalid input (bounded: a few dozen examples each) must give no 500,
only documented status codes, the documented content type and bodies that match the documented
schema, and input that violates the schema must be refused. Secured operations are called with a
valid API token of the host's municipality. The schema is the one the API serves (built here without
a request, so operations are known at collection time); the requests go through the whole WSGI stack.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.modes import GenerationMode

from rathaus.api.api import api
from rathaus.core.accounts import services as accounts
from tests.conftest import HOST_A

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MAX_EXAMPLES = 12

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(path_params={}))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
# Invalid input exists only for operations that take input.
RUNS = [
    pytest.param(op, mode, id=f"{op.method.upper()} {op.path} {mode}")
    for op in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE or op.definition.raw.get("parameters") or op.body
]


@pytest.mark.parametrize(("operation", "mode"), RUNS)
def test_every_operation_keeps_its_documented_contract(db, muni_a, operation, mode):
    app = get_wsgi_application()
    token = accounts.create_api_token(muni_a, "Schemathesis", None)[1]
    headers = {"Host": HOST_A, "Authorization": f"Bearer {token}"}
    strategy = operation.as_strategy(generation_mode=mode)
    # As Django's test client does: the WSGI handler's request signals would close the database
    # connection that holds the test's transaction (PostgreSQL keeps connections, CONN_MAX_AGE).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    @given(data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(data):
        case = data.draw(strategy)
        case.call_and_validate(headers=headers, checks=CHECKS, app=app)

    try:
        run()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_contract_test_covers_every_operation():
    assert len(OPERATIONS) >= 14
    labels = {f"{op.method.upper()} {op.path}" for op in OPERATIONS}
    assert "GET /api/v1/events" in labels
    assert "POST /api/v1/submissions" in labels
