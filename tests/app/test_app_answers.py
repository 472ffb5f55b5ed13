"""How replies are rendered, checked, recorded and logged."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app, journal_of
from mockserver.contracts import ContractSet
from mockserver.contracts.openapi import assemble
from mockserver.exchange import Reply
from mockserver.operator import document_with_control

DEPLOYMENT = "59dae061-cd4a-4f1a-ad07-86407a806e71"
LOG_LINE = re.compile(r"^(\S+) (\S+) (\S+) (\d{3}) (\d+\.\d)ms$")


def test_a_body_keeps_the_responders_key_order_compact_and_utf8(
    client: FlaskClient, responder: Any
) -> None:
    responder.reply = Reply(200, {"zeta": 1, "alpha": ["ü", None], "mid": {"b": 2}})

    response = client.get(f"/api/deployments/{DEPLOYMENT}")

    assert response.data == '{"zeta":1,"alpha":["ü",null],"mid":{"b":2}}'.encode()
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.data))


def test_a_null_body_is_sent_as_json_null(client: FlaskClient, responder: Any) -> None:
    # Prefect 3.9.1 answers pause_deployment with 200 and the body null.
    responder.reply = Reply(200, None)

    response = client.post(f"/api/deployments/{DEPLOYMENT}/pause_deployment")

    assert response.data == b"null"


def test_a_204_has_no_body_and_no_content_headers(
    client: FlaskClient, responder: Any
) -> None:
    responder.reply = Reply(204)

    response = client.delete(f"/api/deployments/{DEPLOYMENT}")

    assert response.status_code == 204
    assert response.data == b""
    assert "content-type" not in response.headers
    assert "content-length" not in response.headers


def test_reply_headers_are_sent(client: FlaskClient, responder: Any) -> None:
    responder.reply = Reply(200, True, {"x-extra": "yes"})

    response = client.get("/api/health")

    assert response.headers["x-extra"] == "yes"


def test_the_openapi_document_is_the_assembled_contract_set(
    client: FlaskClient, contract_set: ContractSet
) -> None:
    response = client.get("/api/openapi.json")

    assert response.get_json() == document_with_control(assemble(contract_set))


@pytest.mark.parametrize(
    "body",
    [b'{"name": "\xff\xfe", "flow_id": "x"}', b"\xff"],
    ids=["non-utf8-in-json", "non-utf8-byte"],
)
def test_a_body_that_is_not_utf8_answers_400(
    client: FlaskClient, responder: Any, body: bytes
) -> None:
    response = client.post(
        "/api/deployments/", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.get_json() == {"detail": "There was an error parsing the body"}
    assert responder.calls == []


def test_a_request_that_breaks_its_contract_is_journaled_with_its_violations(
    app: flask.Flask, client: FlaskClient, responder: Any
) -> None:
    response = client.post("/api/deployments/", json={"name": 1})

    assert response.status_code == 422
    assert response.get_json()["exception_message"] == "Invalid request received."
    assert responder.calls == []
    (entry,) = journal_of(app).entries()
    assert entry.operation == "create_deployment"
    assert entry.request_body == {"name": 1}
    assert {violation.location for violation in entry.request_violations} >= {
        ("body", "name"),
        ("body", "flow_id"),
    }


def test_a_reply_that_breaks_its_contract_is_sent_and_journaled(
    app: flask.Flask, client: FlaskClient, responder: Any
) -> None:
    responder.reply = Reply(200, {"unexpected": True})

    response = client.get("/api/health")

    assert response.status_code == 200
    assert response.get_json() == {"unexpected": True}
    (entry,) = journal_of(app).entries()
    assert [violation.kind for violation in entry.reply_violations] == ["bool_type"]


def test_an_undocumented_status_is_a_reply_violation(
    app: flask.Flask, client: FlaskClient, responder: Any
) -> None:
    responder.reply = Reply(418, {"detail": "teapot"})

    response = client.get("/api/health")

    assert response.status_code == 418
    (entry,) = journal_of(app).entries()
    assert [violation.kind for violation in entry.reply_violations] == [
        "status_undocumented"
    ]


def test_replies_go_unchecked_when_checking_is_off(responder: Any) -> None:
    responder.reply = Reply(200, {"unexpected": True})
    app = create_app(responder=responder, check_replies=False)

    app.test_client().get("/api/health")

    (entry,) = journal_of(app).entries()
    assert entry.reply_violations == ()


def test_a_failing_responder_answers_400_and_journals_its_traceback(
    failing_app: flask.Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="mockserver"):
        response = failing_app.test_client().get(f"/api/deployments/{DEPLOYMENT}")

    assert response.status_code == 400
    assert response.get_json() == {
        "detail": "mockserver failed to answer read_deployment: "
        "RuntimeError: no answer for read_deployment (see the mockserver log)"
    }
    (entry,) = journal_of(failing_app).entries()
    assert entry.operation == "read_deployment"
    assert entry.error is not None
    assert "Traceback" in entry.error
    assert "RuntimeError: no answer for read_deployment" in entry.error
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert [record.exc_info is not None for record in failures] == [True]


def test_nothing_answers_5xx_when_the_responder_fails(failing_app: flask.Flask) -> None:
    client = failing_app.test_client()

    statuses = {
        client.get(f"/api/deployments/{DEPLOYMENT}").status_code,
        client.post("/api/deployments/filter", json={}).status_code,
        client.delete(f"/api/deployments/{DEPLOYMENT}").status_code,
    }

    assert statuses == {400}


def test_a_cors_preflight_is_answered_as_with_prefects_defaults(
    client: FlaskClient, responder: Any
) -> None:
    response = client.options(
        "/api/deployments/filter",
        headers={
            "Origin": "http://x",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Foo",
        },
    )

    assert response.status_code == 200
    assert response.data == b"OK"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == (
        "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"
    )
    assert response.headers["access-control-allow-headers"] == "X-Foo"
    assert response.headers["access-control-max-age"] == "600"
    assert responder.calls == []


@pytest.mark.parametrize(
    ("headers", "allow_origin"),
    [({"Origin": "http://x"}, "*"), ({}, None)],
    ids=["with-origin", "without-origin"],
)
def test_a_request_with_an_origin_is_allowed_from_anywhere(
    client: FlaskClient, headers: dict[str, str], allow_origin: str | None
) -> None:
    response = client.get("/api/health", headers=headers)

    assert response.headers.get("access-control-allow-origin") == allow_origin
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize(
    ("method", "path", "line"),
    [
        ("GET", "/api/health", ("GET", "/api/health", "health_check", "200")),
        ("GET", "/api/nope", ("GET", "/api/nope", "-", "404")),
        (
            "PUT",
            f"/api/deployments/{DEPLOYMENT}",
            ("PUT", f"/api/deployments/{DEPLOYMENT}", "-", "405"),
        ),
        (
            "POST",
            "/api/deployments/",
            ("POST", "/api/deployments/", "create_deployment", "422"),
        ),
    ],
    ids=["answered", "not-found", "not-allowed", "rejected"],
)
def test_each_request_is_logged_as_one_info_line(
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    line: tuple[str, ...],
) -> None:
    with caplog.at_level(logging.INFO, logger="mockserver"):
        client.open(path, method=method)

    infos = [r for r in caplog.records if r.levelno == logging.INFO]
    assert [record.name for record in infos] == ["mockserver"]
    found = LOG_LINE.match(infos[0].getMessage())
    assert found is not None, infos[0].getMessage()
    assert found.groups()[:4] == line
    assert float(found.group(5)) >= 0


def test_the_package_attaches_no_log_handlers(app: flask.Flask) -> None:
    assert logging.getLogger("mockserver").handlers == []


@pytest.mark.parametrize(
    "body",
    [object(), {"when": datetime(2026, 1, 1, tzinfo=UTC)}, float("nan")],
    ids=["object", "datetime", "nan"],
)
def test_a_reply_that_is_not_json_answers_400_and_is_journaled(
    app: flask.Flask, client: FlaskClient, responder: Any, body: Any
) -> None:
    responder.reply = Reply(200, body)

    response = client.get("/api/health")

    assert response.status_code == 400
    assert response.get_json()["detail"].startswith(
        "mockserver failed to answer health_check: "
    )
    (entry,) = journal_of(app).entries()
    assert (entry.status, entry.operation) == (400, "health_check")
    assert entry.error is not None


class UnreadableBody(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise OSError("connection reset while reading the body")

    def readinto(self, buffer: Any) -> int:
        raise OSError("connection reset while reading the body")


def test_a_request_whose_body_cannot_be_read_answers_400_and_is_journaled(
    app: flask.Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/api/deployments/filter", input_stream=UnreadableBody(b'{"limit": 1}')
    )

    assert response.status_code == 400
    assert response.get_json() == {
        "detail": "Request body could not be read: "
        "connection reset while reading the body"
    }
    (entry,) = journal_of(app).entries()
    assert (entry.path, entry.status, entry.error) == (
        "/api/deployments/filter",
        400,
        None,
    )


def test_a_failure_outside_the_operation_still_answers_400(
    app: flask.Flask,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fault injection: the journal failing stands for any defect of the edge.
    def fail(entry: object) -> None:
        raise RuntimeError("journal unavailable")

    monkeypatch.setattr(journal_of(app), "record", fail)

    with caplog.at_level(logging.ERROR, logger="mockserver"):
        response = client.get("/api/health")

    assert response.status_code == 400
    assert response.get_json() == {
        "detail": "mockserver failed to answer the request: "
        "RuntimeError: journal unavailable (see the mockserver log)"
    }
    assert [record.exc_info is not None for record in caplog.records] == [True]
