"""The OpenAPI document is valid, and the running API keeps to it (schemathesis)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from planner import tokens, workflow
from tests.conftest import future


def test_the_openapi_document_is_valid(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(document)
    assert "/api/v1/posts/{post_id}/approve" in document["paths"]


@pytest.fixture
def api_headers(session, team) -> dict[str, str]:  # type: ignore[no-untyped-def]
    # Posts to act on, so that generated ids sometimes hit real ones.
    for days in (2, 3):
        content = workflow.PostContent(team.channels["x"], "Hello there", "brand", future(days))
        workflow.create_post(session, team.user("editor"), team.workspace, content)
    _, secret = tokens.create_api_token(session, team.user("admin"), team.workspace, "schemathesis")
    return {"Authorization": f"Bearer {secret}"}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_schema(app, api_headers, mode):
    """Every operation, with generated valid (then invalid) input: no 500, and every answer
    is one the document describes, in the shape it describes."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 19
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=8,
            deadline=2000,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=api_headers, checks=CHECKS)

        check()
