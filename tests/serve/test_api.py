"""The HTTP API against the real app and a real SQLite file: every status code of the contract."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from serve_support import ASSIGNMENT, CORRECT, RESPONSE_BODIES, TYPICAL, leaked_keys

ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored(course_dir: Path):
    from grader.serve.storage import open_storage

    return open_storage(None, course_dir)


def assert_error(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["message"] and error["fix"]
    for word in words:
        assert word in error["message"]
    return error


# --- 200 / 201 -----------------------------------------------------------------------------------
def test_healthz(client):
    assert client.get("/healthz").status_code == 200


def test_a_graded_attempt_is_201_with_the_result_and_attempts_left(client, tokens):
    response = client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=TYPICAL)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["attempt"] == {"number": 1, "at": "2026-11-25T12:00:00Z", "counted": True, "late": False}
    assert (body["result"]["score"], body["result"]["max_score"]) == (14.5, 36.0)
    assert body["result"]["student"]["id"] == "s1002"
    assert body["attempts_left"] == 2 and body["next_attempt_at"] is None
    assert any(q["feedback"].startswith("Not correct") for q in body["result"]["questions"])


def test_the_lists_show_the_students_own_attempts_only(client, tokens):
    client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=TYPICAL)
    mine = client.get(ATTEMPTS, headers=bearer(tokens["s1002"])).json()["attempts"]
    assert mine == [{"number": 1, "at": "2026-11-25T12:00:00Z", "counted": True, "late": False,
                     "score": 14.5, "max_score": 36.0}]
    assert client.get(ATTEMPTS, headers=bearer(tokens["s1001"])).json() == {"attempts": []}
    assert_error(client.get(f"{ATTEMPTS}/1", headers=bearer(tokens["s1001"])), 404)
    assert client.get(f"{ATTEMPTS}/1", headers=bearer(tokens["s1002"])).json()["result"]["score"] == 14.5
    listed = client.get("/api/v1/assignments", headers=bearer(tokens["s1002"])).json()
    assert listed["student"]["id"] == "s1002"
    (assignment,) = listed["assignments"]
    assert assignment["id"] == ASSIGNMENT and assignment["title"].startswith("Deep learning")
    assert (assignment["attempts_used"], assignment["attempts_left"], assignment["score"],
            assignment["max_score"]) == (1, 2, 14.5, 36.0)


@pytest.mark.parametrize("policy, expected", [("best", 36.0), ("last", 14.5)])
def test_the_score_that_counts_is_the_best_or_the_last(make_course, issue_tokens, make_app, policy, expected):
    from fastapi.testclient import TestClient

    course = make_course(score=policy)
    tokens = issue_tokens(course)
    with TestClient(make_app(course)) as client:
        ada = bearer(tokens["s1001"])
        assert client.post(ATTEMPTS, headers=ada, content=CORRECT).json()["result"]["score"] == 36.0
        client.post(ATTEMPTS, headers=ada, content=TYPICAL.replace(b"s1002", b"s1001"))
        assert client.get("/api/v1/assignments", headers=ada).json()["assignments"][0]["score"] == expected


# --- 401 / 403 / 404 -------------------------------------------------------------------------------
def test_401_without_or_with_an_unknown_token(client):
    assert_error(client.get("/api/v1/assignments"), 401, "no token")
    response = client.post(ATTEMPTS, headers=bearer("0" * 40), content=TYPICAL)
    assert_error(response, 401, "not known")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_403_a_file_for_another_student_uses_no_attempt(client, tokens, course_dir):
    error = assert_error(client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=CORRECT), 403, "s1001")
    assert "s1002" in error["fix"]
    assert client.get(ATTEMPTS, headers=bearer(tokens["s1002"])).json() == {"attempts": []}
    storage = stored(course_dir)
    assert storage.count_files(ASSIGNMENT, "refused") == 1  # kept, marked refused
    storage.close()


def test_404_unknown_assignment(client, tokens):
    assert_error(client.post("/api/v1/assignments/hw-nope/attempts", headers=bearer(tokens["s1002"]),
                             content=TYPICAL), 404, "hw-nope")
    assert_error(client.get("/api/v1/assignments/hw-nope/attempts", headers=bearer(tokens["s1002"])), 404)
    assert_error(client.get("/api/v1/nothing-here"), 404)


# --- 409 -------------------------------------------------------------------------------------------
def test_409_before_it_opens_and_after_it_closes(make_course, issue_tokens, make_app, clock):
    from fastapi.testclient import TestClient

    course = make_course(opens="2026-11-26T00:00:00Z", due="2026-11-27T00:00:00Z", after_due="closed")
    tokens = issue_tokens(course)
    with TestClient(make_app(course)) as client:
        charles = bearer(tokens["s1002"])
        assert_error(client.post(ATTEMPTS, headers=charles, content=TYPICAL), 409, "opens at 2026-11-26T00:00:00Z")
        assert_error(client.get(f"/api/v1/assignments/{ASSIGNMENT}/sheet", headers=charles), 409)
        clock.advance(24 * 3600)
        assert client.post(ATTEMPTS, headers=charles, content=TYPICAL).status_code == 201
        clock.advance(24 * 3600)
        assert_error(client.post(ATTEMPTS, headers=charles, content=TYPICAL), 409, "closed")


# --- 413 / 422 -------------------------------------------------------------------------------------
def test_413_over_one_mebibyte_is_refused_before_parsing(client, tokens, course_dir):
    big = TYPICAL + b"#" * (1024 * 1024)
    assert_error(client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=big), 413, "1024 KiB")

    def chunks():  # no Content-Length: the stream is cut at the limit
        for _ in range(40):
            yield b"#" * 32768

    assert_error(client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=chunks()), 413)
    storage = stored(course_dir)
    assert storage.count_files() == 0  # nothing over the limit is read in, let alone stored
    storage.close()


@pytest.mark.parametrize("body, words", [
    (b"assignment: [unclosed\n", "not valid YAML"),
    (b"assignment: hw-lstm-vae-gan\nstudent: {id: s1002}\nanswers: {p2: {a: true}, p2: {b: true}}\n", "twice"),
    (b"- just\n- a list\n", "not a mapping"),
    (b"assignment: hw-other\nstudent: {id: s1002}\nanswers: {}\n", "hw-other"),
    (b"\xff\xfe not utf-8", "UTF-8"),
])
def test_422_a_file_that_cannot_be_graded_uses_no_attempt(client, tokens, body, words):
    error = assert_error(client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=body), 422, words)
    assert "Traceback" not in error["message"]
    assert client.get(ATTEMPTS, headers=bearer(tokens["s1002"])).json() == {"attempts": []}


# --- 429 -------------------------------------------------------------------------------------------
def test_429_when_the_attempts_are_used_up(client, tokens):
    charles = bearer(tokens["s1002"])
    left = [client.post(ATTEMPTS, headers=charles, content=TYPICAL).json()["attempts_left"] for _ in range(3)]
    assert left == [2, 1, 0]
    response = client.post(ATTEMPTS, headers=charles, content=TYPICAL)
    assert_error(response, 429, "all 3 graded attempts")
    assert int(response.headers["Retry-After"]) > 0
    assert len(client.get(ATTEMPTS, headers=charles).json()["attempts"]) == 3


def test_429_during_the_cooldown_with_retry_after(make_course, issue_tokens, make_app, clock):
    from fastapi.testclient import TestClient

    course = make_course(cooldown=60)
    tokens = issue_tokens(course)
    with TestClient(make_app(course)) as client:
        charles = bearer(tokens["s1002"])
        first = client.post(ATTEMPTS, headers=charles, content=TYPICAL).json()
        assert first["next_attempt_at"] == "2026-11-25T12:01:00Z"
        clock.advance(20)
        response = client.post(ATTEMPTS, headers=charles, content=TYPICAL)
        assert_error(response, 429, "40 s")
        assert response.headers["Retry-After"] == "40"
        clock.advance(40)
        assert client.post(ATTEMPTS, headers=charles, content=TYPICAL).json()["attempt"]["number"] == 2


def test_429_after_repeated_unknown_tokens_from_one_address(course_dir, tokens, make_app):
    from fastapi.testclient import TestClient

    with TestClient(make_app(course_dir, failures_per_minute=3)) as client:
        for _ in range(3):
            assert_error(client.get("/api/v1/assignments", headers=bearer("guess")), 401)
        response = client.get("/api/v1/assignments", headers=bearer("guess"))
        assert_error(response, 429, "too many")
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert client.get("/api/v1/assignments", headers=bearer(tokens["s1002"])).status_code == 200


# --- 503 -------------------------------------------------------------------------------------------
def test_503_when_grading_takes_too_long_and_no_attempt_is_used(course_dir, tokens, make_app, monkeypatch):
    from fastapi.testclient import TestClient

    import grader.serve.service as service_module

    real = service_module.grade_submission

    def slow(*args, **kwargs):
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(service_module, "grade_submission", slow)
    with TestClient(make_app(course_dir, grading_timeout=0.2)) as client:
        charles = bearer(tokens["s1002"])
        assert_error(client.post(ATTEMPTS, headers=charles, content=TYPICAL), 503, "longer than 0.2 s")
        time.sleep(1.0)  # the slow grading finishes in its thread; it must still not be recorded
        assert client.get(ATTEMPTS, headers=charles).json() == {"attempts": []}
        monkeypatch.setattr(service_module, "grade_submission", real)
        assert client.post(ATTEMPTS, headers=charles, content=TYPICAL).json()["attempt"]["number"] == 1


# --- what is stored, and what is shown --------------------------------------------------------------
def test_every_file_is_stored_verbatim_with_its_sha256_and_outcome(client, tokens, course_dir):
    charles = bearer(tokens["s1002"])
    client.post(ATTEMPTS, headers=charles, content=b"not: [yaml")
    client.post(ATTEMPTS, headers=charles, content=TYPICAL)
    storage = stored(course_dir)
    (graded,) = storage.graded_attempts(ASSIGNMENT)
    assert graded.body == TYPICAL and graded.sha256 == hashlib.sha256(TYPICAL).hexdigest()
    assert graded.attempt.number == 1 and '"score":14.5' in graded.result
    assert (storage.count_files(), storage.count_files(outcome="refused")) == (2, 1)
    storage.close()


@pytest.mark.parametrize("level", ["statuses", "total"])
def test_feedback_before_the_due_date_follows_the_policy(make_course, issue_tokens, make_app, level):
    from fastapi.testclient import TestClient

    course = make_course(feedback=level, due="2026-12-01T00:00:00Z")
    tokens = issue_tokens(course)
    with TestClient(make_app(course)) as client:
        result = client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=TYPICAL).json()["result"]
    assert result["score"] == 14.5
    if level == "total":
        assert result["questions"] == []
    else:
        feedback = {q["feedback"] for q in result["questions"]}
        assert feedback == {"Feedback on each question is shown after the due date."}
        assert {q["status"] for q in result["questions"]} >= {"correct", "incorrect"}


def test_after_the_due_date_attempts_are_late_and_do_not_count(make_course, issue_tokens, make_app, clock):
    from fastapi.testclient import TestClient

    course = make_course(due="2026-11-25T00:00:00Z", after_due="feedback", attempts=1)
    tokens = issue_tokens(course)
    with TestClient(make_app(course)) as client:
        charles = bearer(tokens["s1002"])
        for number in (1, 2):  # the limit is for attempts by the due date
            body = client.post(ATTEMPTS, headers=charles, content=TYPICAL).json()
            assert body["attempt"] == {"number": number, "at": "2026-11-25T12:00:00Z", "counted": False, "late": True}
        listed = client.get("/api/v1/assignments", headers=charles).json()["assignments"][0]
        assert listed["score"] is None and listed["attempts_used"] == 0


@pytest.mark.reveals_key
def test_reveal_after_the_due_date_shows_expected_and_the_scan_would_catch_it(make_course, issue_tokens, make_app):
    from fastapi.testclient import TestClient

    course = make_course(due="2026-11-25T00:00:00Z", after_due="reveal")
    tokens = issue_tokens(course)
    RESPONSE_BODIES.clear()
    with TestClient(make_app(course)) as client:
        result = client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=TYPICAL).json()["result"]
    assert all("expected" in q for q in result["questions"])
    assert leaked_keys(RESPONSE_BODIES)  # the key scan of every other test does find a shown key


def test_the_sheet_is_the_students_own_in_markdown_or_html(client, tokens):
    url = f"/api/v1/assignments/{ASSIGNMENT}/sheet"
    markdown = client.get(url, headers=bearer(tokens["s1002"]))
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    assert "s1002" in markdown.text and markdown.text.startswith("# ")
    html = client.get(url, headers={**bearer(tokens["s1002"]), "Accept": "text/html,*/*;q=0.8"})
    assert html.headers["content-type"].startswith("text/html") and "<html" in html.text and "s1002" in html.text
    assert_error(client.get(url), 401)



def test_an_unexpected_failure_is_a_500_without_a_traceback_and_keeps_the_file(course_dir, tokens, make_app,
                                                                                 monkeypatch, caplog):
    from fastapi.testclient import TestClient

    from grader.serve.storage import Storage

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire: answers p3.b.h1=0.2174")

    monkeypatch.setattr(Storage, "record_attempt", broken)
    with TestClient(make_app(course_dir), raise_server_exceptions=False) as client:
        error = assert_error(client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=TYPICAL), 500)
    assert "disk on fire" not in error["message"] and "disk on fire" not in caplog.text
    assert "RuntimeError" in caplog.text
    storage = stored(course_dir)
    assert storage.count_files(outcome="refused") == 1
    storage.close()


def test_429_for_a_flood_of_files_from_one_student_which_is_not_stored(course_dir, tokens, make_app):
    from fastapi.testclient import TestClient

    with TestClient(make_app(course_dir, files_per_minute=5)) as client:
        statuses = [client.post(ATTEMPTS, headers=bearer(tokens["s1002"]), content=b"not: [yaml").status_code
                    for _ in range(6)]
        assert statuses == [422] * 5 + [429]
        assert client.post(ATTEMPTS, headers=bearer(tokens["s1001"]), content=b"x: [").status_code == 422
    storage = stored(course_dir)
    assert storage.count_files() == 6  # five of Charles's, one of Ada's; the sixth was refused, not stored
    storage.close()
