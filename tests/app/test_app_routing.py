"""Requests reach the right operation, and misses answer as a real server does.

The expected answers of the protocol cases were measured on a real Prefect
3.9.1 server (``prefect server start``), except where a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from mockserver.app import journal_of
from mockserver.contracts import Operation, available_versions, load_contract_set

DEPLOYMENT = "59dae061-cd4a-4f1a-ad07-86407a806e71"
NOT_FOUND = {"detail": "Not Found"}
NOT_ALLOWED = {"detail": "Method Not Allowed"}


def concrete_path(operation: Operation) -> str:
    """The operation's path with a plausible value for each parameter."""
    path = "/api" + operation.path
    properties = operation.path_schema.get("properties", {})
    for name in operation.path_parameters:
        uuid_typed = properties.get(name, {}).get("format") == "uuid"
        path = path.replace(f"{{{name}}}", DEPLOYMENT if uuid_typed else "sample")
    return path


OPERATIONS = [
    pytest.param(version, operation, id=f"{version}-{operation.name}")
    for version in available_versions()
    for operation in load_contract_set(version)
]


@pytest.mark.parametrize(("version", "operation"), OPERATIONS)
def test_every_operation_is_routed_to_its_name(
    app_for: Callable[[str], flask.Flask], version: str, operation: Operation
) -> None:
    app = app_for(version)

    response = app.test_client().open(concrete_path(operation), method=operation.method)

    # Without a body, operations that need one are rejected (422) after routing.
    assert response.status_code in (200, 422)
    entry = journal_of(app).entries()[-1]
    assert (entry.method, entry.path) == (operation.method, concrete_path(operation))
    assert entry.operation == operation.name


def test_a_routed_call_carries_the_operation_and_its_parameters(
    client: FlaskClient, responder: Any
) -> None:
    response = client.get(f"/api/deployments/{DEPLOYMENT}/schedules?x=1&x=2")

    assert response.status_code == 200
    (call,) = responder.calls
    assert call.operation == "read_deployment_schedules"
    assert call.path == {"id": DEPLOYMENT}
    assert call.query == {"x": "1"}
    assert call.headers["host"] == "localhost"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/nope"),
        ("POST", "/api/nope"),
        ("GET", "/api"),
        ("GET", "/api/"),
        ("GET", "/nope"),
        ("GET", "/"),
        ("GET", "/api/deployments//"),
        ("GET", "/api//deployments/filter"),
        ("GET", "/api/deployments/name/flow/a%2Fb"),
        ("GET", "/api/deployments/not-a-uuid"),
        ("DELETE", "/api/deployments/nope"),
        ("POST", "/api/deployments/nope/create_flow_run"),
        ("GET", f"/api/deployments/{DEPLOYMENT}x"),
    ],
    ids=[
        "unknown-get",
        "unknown-post",
        "api-root",
        "api-root-slash",
        "outside-api",
        "site-root",
        "double-trailing-slash",
        "empty-segment",
        "encoded-slash-in-name",
        "id-not-a-uuid",
        "delete-id-not-a-uuid",
        "create-flow-run-id-not-a-uuid",
        "id-uuid-with-suffix",
    ],
)
def test_a_path_no_operation_has_answers_404(
    client: FlaskClient, responder: Any, method: str, path: str
) -> None:
    response = client.open(path, method=method)

    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND
    assert response.content_type == "application/json"
    assert responder.calls == []


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", f"/api/deployments/{DEPLOYMENT}", "DELETE, GET, PATCH"),
        ("OPTIONS", f"/api/deployments/{DEPLOYMENT}", "DELETE, GET, PATCH"),
        ("GET", "/api/deployments/filter", "POST"),
        ("GET", "/api/deployments/", "POST"),
        ("DELETE", "/api/deployments/", "POST"),
        ("OPTIONS", "/api/deployments/filter", "POST"),
        ("BREW", "/api/health", "GET"),
        ("POST", "/api/openapi.json", "GET"),
    ],
    ids=[
        "put-deployment",
        "options-deployment",
        "get-filter",
        "get-create",
        "delete-create",
        "options-filter",
        "unknown-method",
        "post-openapi",
    ],
)
def test_a_path_served_with_another_method_answers_405_with_allow(
    client: FlaskClient, method: str, path: str, allow: str
) -> None:
    # The real server's Allow names only the first route it tried ("PATCH"
    # for a deployment); the mock lists every method, as RFC 9110 asks.
    response = client.open(path, method=method)

    assert response.status_code == 405
    assert response.get_json() == NOT_ALLOWED
    assert response.headers["allow"] == allow


@pytest.mark.parametrize(
    "path", ["/api/health", f"/api/deployments/{DEPLOYMENT}"], ids=["get", "patch"]
)
def test_head_answers_405_without_a_body(client: FlaskClient, path: str) -> None:
    response = client.head(path)

    assert response.status_code == 405
    assert response.data == b""
    assert response.headers["content-length"] == "31"
    assert "allow" in response.headers


@pytest.mark.parametrize(
    ("method", "path", "location"),
    [
        (
            "GET",
            "/api/deployments/name/flow/dep/",
            "http://localhost/api/deployments/name/flow/dep",
        ),
        (
            "GET",
            f"/api/deployments/{DEPLOYMENT}/",
            f"http://localhost/api/deployments/{DEPLOYMENT}",
        ),
        ("POST", "/api/deployments", "http://localhost/api/deployments/"),
        ("POST", "/api/deployments/filter/", "http://localhost/api/deployments/filter"),
        (
            "DELETE",
            "/api/deployments/filter/",
            "http://localhost/api/deployments/filter",
        ),
        ("GET", "/api/deployments", "http://localhost/api/deployments/"),
        (
            "GET",
            "/api/deployments/filter/?a=1&b=%20x",
            "http://localhost/api/deployments/filter?a=1&b=%20x",
        ),
        ("GET", "/api/openapi.json/", "http://localhost/api/openapi.json"),
    ],
    ids=[
        "read-by-name-trailing-slash",
        "read-trailing-slash",
        "create-without-slash",
        "filter-trailing-slash",
        "wrong-method-still-redirects",
        "get-create-without-slash",
        "query-kept",
        "openapi-trailing-slash",
    ],
)
def test_a_toggled_trailing_slash_answers_307_to_the_served_path(
    client: FlaskClient, responder: Any, method: str, path: str, location: str
) -> None:
    response = client.open(path, method=method)

    assert response.status_code == 307
    assert response.headers["location"] == location
    assert response.data == b""
    assert response.headers["content-length"] == "0"
    assert "content-type" not in response.headers
    assert responder.calls == []


def test_a_redirect_names_the_host_the_client_used(client: FlaskClient) -> None:
    response = client.post(
        "/api/deployments", headers={"host": "127.0.0.1:4200"}, data=b"{}"
    )

    assert response.headers["location"] == "http://127.0.0.1:4200/api/deployments/"


@pytest.mark.parametrize(
    "written",
    [
        DEPLOYMENT,
        DEPLOYMENT.upper(),
        DEPLOYMENT.replace("-", ""),
        DEPLOYMENT.replace("-", "").upper(),
    ],
    ids=["canonical", "upper-case", "without-dashes", "upper-case-without-dashes"],
)
def test_a_uuid_path_parameter_reaches_the_responder_canonical(
    client: FlaskClient, responder: Any, written: str
) -> None:
    response = client.post(f"/api/deployments/{written}/create_flow_run", json={})

    assert response.status_code == 200
    assert responder.calls[-1].path == {"id": DEPLOYMENT}


def test_a_string_path_parameter_reaches_the_responder_as_written(
    client: FlaskClient, responder: Any
) -> None:
    client.get("/api/deployments/name/My Flow/ÄBC")

    assert responder.calls[-1].path == {
        "flow_name": "My Flow",
        "deployment_name": "ÄBC",
    }


def test_the_openapi_document_is_served(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert "/deployments/{id}" in document["paths"]


@pytest.mark.parametrize(
    ("version", "method", "path", "status", "operation"),
    [
        ("3.9.1", "GET", "/api/deployments/not-a-uuid", 404, None),
        ("2.14.16", "GET", "/api/deployments/not-a-uuid", 422, "read_deployment"),
        ("3.9.1", "DELETE", "/api/deployments/nope", 404, None),
        ("2.14.16", "DELETE", "/api/deployments/nope", 422, "delete_deployment"),
        ("3.9.1", "GET", "/api/deployments/filter", 405, None),
        ("2.14.16", "GET", "/api/deployments/filter", 422, "read_deployment"),
    ],
    ids=[
        "3-read-converter-misses",
        "2-read-validates-the-id",
        "3-delete-converter-misses",
        "2-delete-validates-the-id",
        "3-get-filter-not-allowed",
        "2-get-filter-reads-a-deployment-called-filter",
    ],
)
def test_ids_are_routed_by_converter_in_prefect_3_and_validated_in_prefect_2(
    app_for: Callable[[str], flask.Flask],
    version: str,
    method: str,
    path: str,
    status: int,
    operation: str | None,
) -> None:
    # Prefect 3 declares "/{id:uuid}"; Prefect 2 declares "/{id}" and lets
    # validation answer 422, as measured on both releases.
    app = app_for(version)

    response = app.test_client().open(path, method=method)

    assert response.status_code == status
    assert journal_of(app).entries()[-1].operation == operation
    if status == 422:
        detail = response.get_json()["exception_detail"]
        assert [item["loc"] for item in detail] == [["path", "id"]]


@pytest.mark.parametrize(
    ("version", "methods"),
    [
        ("3.9.1", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"),
        ("2.14.16", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"),
    ],
    ids=["3", "2"],
)
def test_a_cors_preflight_lists_the_methods_of_the_versions_starlette(
    app_for: Callable[[str], flask.Flask], version: str, methods: str
) -> None:
    response = (
        app_for(version)
        .test_client()
        .options(
            "/api/deployments/filter",
            headers={"Origin": "http://x", "Access-Control-Request-Method": "POST"},
        )
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-methods"] == methods
