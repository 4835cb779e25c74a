"""The client trusts nothing a server sends: redirects, slow or endless answers, escapes, broken HTTP.

Each hostile server runs on 127.0.0.1 inside the test (hostile_servers.py). Whatever it does, the
client ends within its deadline with one sentence and exit 1 — never a traceback, never the token
sent anywhere but the server the student named, never a terminal escape printed raw.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from hostile_servers import hostile_server, raw, respond, self_signed_certificate, server_tls
from serve_support import ASSIGNMENT, SUBMISSIONS

from grader.cli import main

FILE = str(SUBMISSIONS / "typical-mistakes.yaml")  # student s1002
TOKEN = "a" * 40
NOT_A_SERVICE = "did not answer like a course service"
UNSAFE = ("\x1b", "\x07", "\u202e", "\x9b", "\r")


@pytest.fixture(autouse=True)
def no_ambient_settings(monkeypatch, tmp_path):
    for name in ("GRADE_SERVER", "GRADE_TOKEN", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def result_json(**question: object) -> dict:
    return {"assignment": ASSIGNMENT, "student": {"id": "s1002"}, "score": 1.0, "max_score": 2.0,
            "questions": [{"id": "p3.c", "score": 1.0, "max_score": 2.0, "status": "partial",
                           "feedback": "close", **question}]}


def created(answer: dict) -> bytes:
    return json.dumps(answer).encode()


GOOD_ANSWER = {"attempt": {"number": 1, "at": "2026-12-01T10:00:00Z", "counted": True, "late": False},
               "result": result_json(), "attempts_left": 2, "next_attempt_at": None,
               "report": {"title": "Deep learning", "titles": {}}}


def submit(server: str, *extra: str) -> int:
    return main([FILE, "--server", server, "--token", TOKEN, *extra])


def test_a_well_formed_answer_is_printed(capsys):
    with hostile_server(respond("201 Created", created(GOOD_ANSWER))) as server:
        assert submit(server.url) == 0
    captured = capsys.readouterr()
    assert "1 / 2" in captured.out
    assert "attempt 1 recorded at 2026-12-01T10:00:00Z" in captured.err


# --- redirects: never followed, the token goes nowhere else --------------------------------------------
@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "303 See Other",
                                    "307 Temporary Redirect", "308 Permanent Redirect"])
def test_a_redirect_is_an_error_that_names_the_new_location_and_sends_nothing_there(status, capsys):
    with hostile_server(respond("201 Created", created(GOOD_ANSWER))) as elsewhere:
        target = f"{elsewhere.url}/api/v1/assignments/{ASSIGNMENT}/attempts"
        with hostile_server(respond(status, b"", {"Location": target})) as server:
            assert submit(server.url) == 1
        assert elsewhere.requests == []  # not the token, not the file, not even a GET
    assert len(server.requests) == 1 and server.requests[0].method == "POST"
    err = capsys.readouterr().err
    assert f"answered {status.split()[0]}" in err and target in err
    assert "attempt None" not in err and "Traceback" not in err


def test_an_https_server_redirecting_to_http_gets_no_second_request(tmp_path, monkeypatch, capsys):
    certificate, key = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # the client trusts this certificate, and only it
    with hostile_server(respond("201 Created", created(GOOD_ANSWER))) as plain:
        with hostile_server(respond("302 Found", b"", {"Location": f"{plain.url}/x"}),
                            tls=server_tls(certificate, key)) as secure:
            assert submit(secure.url) == 1
        assert plain.requests == []
    assert secure.requests[0].headers["authorization"] == f"Bearer {TOKEN}"  # TLS was verified and used
    assert f"{plain.url}/x" in capsys.readouterr().err


def test_an_untrusted_certificate_is_one_sentence(tmp_path, capsys):
    certificate, key = self_signed_certificate(tmp_path)
    with hostile_server(respond("201 Created", created(GOOD_ANSWER)), tls=server_tls(certificate, key)) as secure:
        assert submit(secure.url) == 1
        assert all("authorization" not in request.headers for request in secure.requests)
    err = capsys.readouterr().err
    assert "certificate" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


# --- deadlines and sizes ----------------------------------------------------------------------------------
def trickle(prefix: bytes) -> object:
    def answer(connection: socket.socket, _request: object, server: object) -> None:
        connection.sendall(prefix)
        for _ in range(120):
            connection.sendall(b"x")
            time.sleep(0.5)

    return answer


@pytest.mark.parametrize("prefix", [b"HTTP/1.1 201 Created\r\n",  # the headers trickle
                                    b"HTTP/1.1 201 Created\r\nContent-Length: 100000\r\n\r\n{"])  # the body does
def test_a_server_that_trickles_is_given_up_at_the_deadline(prefix, capsys):
    with hostile_server(trickle(prefix)) as server:
        started = time.monotonic()
        assert submit(server.url, "--timeout", "2") == 1
        assert time.monotonic() - started < 6
    err = capsys.readouterr().err
    assert "no complete answer within 2 s" in err and "--timeout" in err


@pytest.mark.parametrize("framing, chunk", [
    (b"Content-Length: 419430400", lambda block: block),  # declared: refused before a byte of it is read
    (b"Transfer-Encoding: chunked", lambda block: b"10000\r\n" + block + b"\r\n"),  # undeclared: cut at the cap
])
def test_a_huge_answer_is_refused_without_reading_it_all(framing, chunk, capsys):
    def endless(connection: socket.socket, _request: object, server: object) -> None:
        connection.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n" + framing + b"\r\n\r\n")
        for _ in range(6400):  # 400 MiB
            connection.sendall(chunk(b" " * 65536))

    with hostile_server(endless) as server:
        assert submit(server.url) == 1
        assert server.closed_early.wait(10)  # the client hung up long before 400 MiB
    assert "larger than 4 MiB" in capsys.readouterr().err


# --- answers that are not a course service's -----------------------------------------------------------
BROKEN_HTTP = {
    "not HTTP at all (ssh)": raw(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
    "hangs up at once": raw(b""),
    "a body cut short": raw(b"HTTP/1.1 201 Created\r\nContent-Length: 1000\r\n\r\n{\"attempt\""),
    "a 70 KB header line": raw(b"HTTP/1.1 201 Created\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n"),
    "over 100 headers": raw(b"HTTP/1.1 201 Created\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(120))
                            + b"Content-Length: 2\r\n\r\n{}"),
    "a bad chunk": raw(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
}


@pytest.mark.parametrize("case", BROKEN_HTTP)
def test_broken_http_is_one_sentence_and_exit_1(case, capsys):
    with hostile_server(BROKEN_HTTP[case]) as server:
        assert submit(server.url) == 1
    err = capsys.readouterr().err
    assert NOT_A_SERVICE in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err


WRONG_SHAPES = {
    "attempt is a list": {**GOOD_ANSWER, "attempt": [1]},
    "no attempt": {key: value for key, value in GOOD_ANSWER.items() if key != "attempt"},
    "no result": {key: value for key, value in GOOD_ANSWER.items() if key != "result"},
    "a number that is text": {**GOOD_ANSWER, "attempt": {**GOOD_ANSWER["attempt"], "number": "1"}},
    "a result without questions": {**GOOD_ANSWER, "result": {"assignment": ASSIGNMENT}},
    "attempts_left is text": {**GOOD_ANSWER, "attempts_left": "many"},
    "a list": [GOOD_ANSWER],
    "null": None,
}


@pytest.mark.parametrize("case", WRONG_SHAPES)
def test_json_of_the_wrong_shape_is_one_sentence_and_exit_1(case, capsys):
    with hostile_server(respond("201 Created", created(WRONG_SHAPES[case]))) as server:
        assert submit(server.url) == 1
    err = capsys.readouterr().err
    assert NOT_A_SERVICE in err and "attempt None" not in err and "Traceback" not in err, err


@pytest.mark.parametrize("body", [b"<html>hello</html>", b"\xff\xfe not json", b'{"error": [1]}'])
def test_an_error_status_without_a_services_message_is_exit_1(body, capsys):
    with hostile_server(respond("500 Internal Server Error", body)) as server:
        assert submit(server.url) == 1
    assert NOT_A_SERVICE in capsys.readouterr().err


# --- terminal escapes from the server -------------------------------------------------------------------
HOSTILE_TEXT = "\x1b]0;pwned\x07\x1b[2J\u202eevil\x9b31m\rover"


def test_the_servers_text_is_never_printed_raw(capsys):
    answer = {**GOOD_ANSWER, "attempt": {**GOOD_ANSWER["attempt"], "at": HOSTILE_TEXT},
              "next_attempt_at": HOSTILE_TEXT, "result": result_json(feedback=HOSTILE_TEXT),
              "report": {"title": HOSTILE_TEXT, "titles": {"p3.c": HOSTILE_TEXT}}}
    for report_format in ("text", "markdown", "html", "json"):
        with hostile_server(respond("201 Created", created(answer))) as server:
            assert submit(server.url, "--format", report_format) == 0
        captured = capsys.readouterr()
        for stream in (captured.out, captured.err):
            assert not any(character in stream for character in UNSAFE), (report_format, stream)
        if report_format == "json":
            assert json.loads(captured.out)["questions"][0]["feedback"] == HOSTILE_TEXT  # escaped, not lost


def test_a_refusals_text_is_never_printed_raw(capsys):
    body = json.dumps({"error": {"status": 409, "message": HOSTILE_TEXT, "fix": HOSTILE_TEXT}}).encode()
    with hostile_server(respond("409 Conflict", body)) as server:
        assert submit(server.url) == 2
    err = capsys.readouterr().err
    assert "refused (409)" in err and not any(character in err for character in UNSAFE)


@pytest.mark.parametrize("sheet_format", ["markdown", "html"])
def test_a_sheet_from_the_server_is_printed_without_escapes(sheet_format, capsys):
    with hostile_server(respond("200 OK", f"# Sheet {HOSTILE_TEXT}\n".encode(), content_type="text/markdown")) as server:
        assert main(["sheet", "--server", server.url, "--assignment", ASSIGNMENT, "--token", TOKEN,
                     "--format", sheet_format]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Sheet ") and not any(character in out for character in UNSAFE)


def test_a_redirect_of_the_sheet_is_an_error_too(capsys):
    with hostile_server(respond("200 OK", b"# stolen")) as elsewhere:
        with hostile_server(respond("302 Found", b"", {"Location": elsewhere.url})) as server:
            assert main(["sheet", "--server", server.url, "--assignment", ASSIGNMENT, "--token", TOKEN]) == 1
        assert elsewhere.requests == []


# --- plain http only on this machine --------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://grade.example.edu", "http://10.0.0.5:8000", "http://[2001:db8::1]/"])
def test_plain_http_to_another_machine_needs_insecure_http(url, capsys):
    assert submit(url) == 2
    err = capsys.readouterr().err
    assert "https://" in err and "--insecure-http" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "[::1]"])
def test_plain_http_on_loopback_is_allowed(host, capsys):
    from grader.client import server_url

    assert server_url(f"http://{host}:8000/") == f"http://{host}:8000"


def test_insecure_http_is_allowed_with_a_warning(capsys):
    from grader.client import server_url

    assert server_url("http://grade.example.edu", insecure_http=True) == "http://grade.example.edu"
    assert "unencrypted" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "abc"])
def test_a_bad_timeout_is_a_usage_error(value, capsys):
    assert submit("http://127.0.0.1:9", "--timeout", value) == 2
    assert "--timeout" in capsys.readouterr().err
