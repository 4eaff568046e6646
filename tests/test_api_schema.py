"""Schemathesis over the OpenAPI document (bounded examples): no 5xx, no undocumented status
code, every response valid against its documented schema — on SQLite and PostgreSQL."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = 25


def test_no_server_error_and_every_answer_documented(sample_apps, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path) as client:
        schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
            def check(case) -> None:  # type: ignore[no-untyped-def]
                case.call_and_validate()

            check()
