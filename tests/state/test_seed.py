"""The golden example: the stateful responder answers the seed's request as
Prefect 2.14.16 did (see :mod:`tests.seed`)."""

from __future__ import annotations

from tests.seed import SEED, seed_differences

from .support import ApiFactory


def test_the_seed_request_answers_the_seed_response(make_api: ApiFactory) -> None:
    api = make_api("2.14.16")
    deployment = api.deployment("seeded")

    reply = api("create_flow_run_from_deployment", SEED["request"], id=deployment["id"])

    assert reply.status == 201
    assert seed_differences(SEED["response"], reply.body) == []
