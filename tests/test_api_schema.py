"""Schemathesis over the OpenAPI document (bounded examples): no 5xx, no undocumented status
code, every response valid against its documented schema — anonymous and with a valid token of
every role, on SQLite and PostgreSQL."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.apps import engine_of
from tests.auth_helpers import bearer, make_user
from tests.test_api_access import CALLERS

EXAMPLES = 8
#: one caller per role (in scope), and no token
AS = ["anonymous", "admin", "counselor", "worker", "employer", "institution"]


def test_no_server_error_and_every_answer_documented(sample_apps, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with sample_apps.client(tmp_path) as client:
        from data.db.models import Employer
        from data.db.session import transaction

        with transaction(engine_of(client)) as s:
            s.add(Employer(id="EOTHER1", name="另一家公司", kind="企业", adcode="140105"))
        tokens: dict[str, dict[str, str]] = {"anonymous": {}}
        for name in AS[1:]:
            account = dict(CALLERS[name])
            role = account.pop("role")
            tokens[name] = bearer(client, *make_user(engine_of(client), role, **account))
        schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 13
        for operation in operations:
            if operation.path == "/api/v1/auth/logout":
                continue  # it would end the tokens; tested in test_auth.py
            for name in AS:
                headers = tokens[name]

                @given(case=operation.as_strategy())
                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    derandomize=True,
                )
                def check(case) -> None:  # type: ignore[no-untyped-def]
                    # a write checks meaning a schema cannot state (an occupation code that exists, a
                    # Shanxi address, end after start): its 422 for schema-valid input is right
                    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])  # noqa: B023

                check()
