"""The local HttpApi answers CORS as API Gateway does from the template's CorsConfiguration,
503 until the stack is ready; each mail the stack "sends" becomes one readable line; and log
lines of concurrent invocations carry their own function name and request id."""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from newsdesk.observability import logger

from infra.local.functions import FakeLambdaContext, FunctionSpec, HttpRoute, LocalFunction
from infra.local.httpapi import Cors, HttpApiServer, loggable
from infra.local.intrinsics import Resolver
from infra.local.outbox import OutboxWatcher, mail_line
from infra.template.reading import TEMPLATE_PATH

FRONTEND = "http://localhost:5173"


def backend(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A function that answers with CORS headers of its own (which the gateway replaces)."""
    return {
        "statusCode": 200,
        "headers": {
            "content-type": "application/json",
            "access-control-allow-origin": "https://backend.example",
            "Access-Control-Expose-Headers": "x-secret",
            "etag": '"e"',
        },
        "body": json.dumps({"method": event["requestContext"]["http"]["method"]}),
    }


@pytest.fixture
def gateway() -> Iterator[HttpApiServer]:
    spec = FunctionSpec(
        "Api", "-", TEMPLATE_PATH.parent, {}, http=[HttpRoute("Proxy", "ANY", "/{proxy+}")]
    )
    function = LocalFunction(spec, "eu-north-1")
    function.handler = backend
    server = HttpApiServer("127.0.0.1", 0, [function], cors=Cors.from_template(Resolver()))
    server.ready.set()
    yield server
    server.server.server_close()
    function.shutdown()


def call(server: HttpApiServer, method: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    status, out, body = server.answer(method, "/articles", list(headers.items()), b"", "127.0.0.1")
    return status, {name.lower(): value for name, value in out}, body


def test_cors_configuration_is_read_from_the_template() -> None:
    cors = Cors.from_template(
        Resolver(parameters={"CorsAllowedOrigins": "http://a.dk,http://b.dk"})
    )
    assert cors == Cors(
        allow_origins=("http://a.dk", "http://b.dk"),
        allow_methods=("GET", "POST", "OPTIONS"),
        allow_headers=("content-type", "if-none-match"),
        expose_headers=("etag", "retry-after"),
        max_age=600,
    )


def test_the_gateway_answers_preflights_itself(gateway: HttpApiServer) -> None:
    status, headers, body = call(
        gateway, "OPTIONS", Origin=FRONTEND, **{"Access-Control-Request-Method": "GET"}
    )
    assert (status, body) == (204, b"")
    assert headers == {
        "access-control-allow-origin": FRONTEND,
        "access-control-allow-methods": "GET,POST,OPTIONS",
        "access-control-allow-headers": "content-type,if-none-match",
        "access-control-max-age": "600",
    }
    status, headers, _ = call(
        gateway,
        "OPTIONS",
        Origin="https://evil.example",
        **{"Access-Control-Request-Method": "GET"},
    )
    assert status == 204
    assert headers == {}


def test_backend_cors_headers_are_replaced_by_the_configured_ones(gateway: HttpApiServer) -> None:
    status, headers, _ = call(gateway, "GET", Origin=FRONTEND)
    assert status == 200
    cors = {name: value for name, value in headers.items() if name.startswith("access-control-")}
    assert cors == {
        "access-control-allow-origin": FRONTEND,
        "access-control-expose-headers": "etag,retry-after",
    }
    _, foreign, _ = call(gateway, "GET", Origin="https://evil.example")
    _, no_origin, _ = call(gateway, "GET")
    for answer in (foreign, no_origin):
        assert not [name for name in answer if name.startswith("access-control-")]
        assert answer["etag"] == '"e"'


def test_an_options_request_that_is_no_preflight_reaches_the_function(
    gateway: HttpApiServer,
) -> None:
    status, _, body = call(gateway, "OPTIONS", Origin=FRONTEND)
    assert status == 200
    assert json.loads(body) == {"method": "OPTIONS"}


def test_nothing_is_served_before_the_stack_is_ready(gateway: HttpApiServer) -> None:
    gateway.ready.clear()
    status, headers, _ = call(gateway, "GET", Origin=FRONTEND)
    assert status == 503
    assert headers["retry-after"] == "1"
    assert headers["access-control-allow-origin"] == FRONTEND  # readable by the frontend


def _eml(links_html: str, links_text: str) -> bytes:
    message = EmailMessage()
    message["To"] = "Læser <laeser@example.dk>"
    message["From"] = "nyhedsbrev@example.com"
    message["Subject"] = "Din e-bog: Ballerup på tværs"
    message.set_content(f"Hent den her: {links_text}\n", cte="quoted-printable")
    message.add_alternative(
        f'<p><a href="{links_html}">Hent</a></p>', subtype="html", cte="quoted-printable"
    )
    return message.as_bytes()


def test_a_sent_mail_is_one_line_with_its_decoded_links() -> None:
    long_link = "http://127.0.0.1:3000/ebooks/downloads/" + "t0k3n=" * 20 + "?format=pdf"
    raw = _eml(long_link, long_link)
    assert b"=\n" in raw or b"=\r\n" in raw  # quoted-printable soft breaks split the link
    line = mail_line(raw)
    assert line == f"✉ Læser <laeser@example.dk> · Din e-bog: Ballerup på tværs · {long_link}"
    assert "\n" not in line


def test_the_outbox_reports_each_complete_file_once(tmp_path: Any) -> None:
    (tmp_path / "old.eml").write_bytes(_eml("http://a/old", "http://a/old"))
    lines: list[str] = []
    watcher = OutboxWatcher(tmp_path, lines.append)
    (tmp_path / "20261203T090000Z-1.eml").write_bytes(_eml("http://a/1", "http://a/1"))
    watcher.scan()  # first look: the file may still be being written
    assert lines == []
    watcher.scan()
    watcher.scan()
    assert len(lines) == 1
    assert lines[0].endswith("http://a/1")


@logger.inject_lambda_context
def logging_handler(event: dict[str, Any], context: Any) -> None:
    """Logs while other invocations run, as the stack's functions do on their threads."""
    for step in range(5):
        logger.info("step", extra={"step": step, "sent_by": context.function_name})
        time.sleep(0.002)


def test_concurrent_invocations_log_their_own_name_and_request_id() -> None:
    buffer = io.StringIO()
    handler = logger.registered_handler
    original = handler.setStream(buffer)
    specs = [
        FunctionSpec(name, "-", TEMPLATE_PATH.parent, {}) for name in ("Publish", "Related", "Api")
    ]
    contexts = [FakeLambdaContext(spec, "eu-north-1") for spec in specs for _ in range(4)]
    try:
        threads = [
            threading.Thread(target=logging_handler, args=({}, context)) for context in contexts
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        handler.setStream(original)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert len(lines) == 5 * len(contexts)
    by_request = {context.aws_request_id: context.function_name for context in contexts}
    for line in lines:
        assert line["function_name"] == line["sent_by"]
        assert by_request[line["function_request_id"]] == line["function_name"]
    assert {line["function_request_id"] for line in lines} == set(by_request)


def test_a_readers_token_is_not_written_to_the_log(
    gateway: HttpApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Mailed links carry the reader's token in the query: the terminal shows the rest."""
    token = "eyJwIjoiZG93bmxvYWQifQ.c2lnbmF0dXJl"  # pragma: allowlist secret
    target = f"/ebooks/b/download?token={token}&x=1"
    assert loggable(target) == "/ebooks/b/download?token=…&x=1"
    assert loggable("/articles?limit=2") == "/articles?limit=2"
    with caplog.at_level("INFO"):
        status, _, _ = gateway.answer("GET", target, [], b"", "127.0.0.1")
    assert status == 200
    assert "/ebooks/b/download?token=…&x=1" in caplog.text
    assert token not in caplog.text


def test_many_readers_connecting_at_once_are_all_taken(gateway: HttpApiServer) -> None:
    """A viral article's readers open connections faster than the accept loop takes them.

    API Gateway takes them all; the local gateway must queue them rather than drop their
    SYNs (Python's default listen backlog of 5 left 200 concurrent readers' requests hanging
    for a minute). The server is listening but not accepting here, as when it is busy.
    """
    readers = 128
    sockets: list[socket.socket] = []
    try:
        for _ in range(readers):
            # The timeout only bounds a failure: a queued connection completes at once.
            sockets.append(socket.create_connection(gateway.server.server_address[:2], timeout=5))
    finally:
        for connection in sockets:
            connection.close()
    assert len(sockets) == readers


def conditional_backend(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The API function's conditional GET: 304 without content when the tag matches."""
    tag = '"v1"'
    headers = {"etag": tag, "cache-control": "public, max-age=60"}
    if event["headers"].get("if-none-match") == tag:
        return {"statusCode": 304, "headers": headers, "body": ""}
    body = json.dumps({"title": "Ærø"})
    return {
        "statusCode": 200,
        "headers": {**headers, "content-type": "application/json"},
        "body": body,
    }


@pytest.mark.parametrize(
    ("method", "if_none_match", "status"),
    [("HEAD", None, 200), ("GET", '"v1"', 304), ("HEAD", '"v1"', 304)],
)
def test_answers_without_content_claim_no_length_of_zero(
    gateway: HttpApiServer, method: str, if_none_match: str | None, status: int
) -> None:
    """A HEAD's or a 304's Content-Length would have to be the GET's length: it is left out,
    and the keep-alive connection still carries the next request."""
    function = gateway.routes[0][1]
    function.handler = conditional_backend
    gateway.start()
    try:
        connection = http.client.HTTPConnection(*gateway.server.server_address[:2], timeout=10)
        headers = {"If-None-Match": if_none_match} if if_none_match else {}
        connection.request(method, "/articles/x", headers=headers)
        answer = connection.getresponse()
        assert (answer.status, answer.read()) == (status, b"")
        assert answer.getheader("content-length") is None
        assert answer.getheader("etag") == '"v1"'
        connection.request("GET", "/articles/x")
        full = connection.getresponse()
        body = full.read()
        assert (full.status, json.loads(body)) == (200, {"title": "Ærø"})
        assert full.getheader("content-length") == str(len(body))
    finally:
        gateway.stop()


def test_a_reader_who_left_is_a_log_line_not_a_traceback(
    gateway: HttpApiServer, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Readers who give up (timeouts, closed tabs) must not flood the terminal under load."""
    caplog.set_level("INFO", logger="local.api")
    for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
        try:
            raise error
        except ConnectionError:
            gateway.server.handle_error(None, ("127.0.0.1", 50000))
    assert capsys.readouterr().err == ""
    assert [r.getMessage() for r in caplog.records] == [
        "client 127.0.0.1 left before its answer ([Errno 32] Broken pipe)",
        "client 127.0.0.1 left before its answer ([Errno 104] reset)",
    ]
    try:
        raise ValueError("a defect of the gateway itself")
    except ValueError:
        gateway.server.handle_error(None, ("127.0.0.1", 50000))
    assert "ValueError: a defect of the gateway itself" in capsys.readouterr().err
