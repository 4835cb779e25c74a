"""The web page: signing in by form and by link, the session cookie, sign-out, CSRF and the CSP."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")

sys.path.insert(0, str(Path(__file__).parent))

from pages_support import assert_secure_page, csrf_of, sign_in  # noqa: E402

from grader.serve import web_session  # noqa: E402


def session_cookie_header(response) -> str:
    cookies = [value for key, value in response.headers.multi_items()
               if key == "set-cookie" and value.startswith(f"{web_session.SESSION_COOKIE}=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


def assert_session_cookie(header: str) -> None:
    flags = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags, header


def test_the_first_page_is_the_sign_in_form(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>Sign in</h1>" in page.text and '<label for="token">Your token</label>' in page.text
    assert 'type="password" id="token" name="token"' in page.text
    assert_secure_page(page)


def test_sign_in_by_form_sets_an_httponly_cookie_and_shows_the_assignments(client, tokens):
    form = client.get("/")
    answer = client.post("/login", data={"token": tokens["s1002"], "csrf": csrf_of(form.text)},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert_session_cookie(session_cookie_header(answer))
    home = client.get("/")
    assert "Your assignments" in home.text and "Signed in as Charles Babbage" in home.text
    assert "Deep learning homework: LSTM, VAE, GAN" in home.text and "3 left (0 used)" in home.text
    assert_secure_page(home)


@pytest.mark.parametrize("link", ["/?token={}", "/login?token={}"])
def test_sign_in_by_link_redirects_to_an_address_without_the_token(client, tokens, link):
    answer = client.get(link.format(tokens["s1001"]), follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert tokens["s1001"] not in answer.headers["location"]
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert_session_cookie(session_cookie_header(answer))
    home = client.get(answer.headers["location"])
    assert "Signed in as Ada Lovelace" in home.text
    assert tokens["s1001"] not in home.text


@pytest.mark.parametrize("how", ["form", "link"])
def test_an_unknown_token_is_refused_with_a_sentence_and_no_cookie(client, tokens, how):
    if how == "form":
        answer = sign_in(client, "not-a-token")
    else:
        answer = client.get("/?token=not-a-token")
    assert answer.status_code == 401
    assert "Could not sign in" in answer.text and "This token is not known." in answer.text
    assert "What to do: Copy the whole token" in answer.text
    assert web_session.SESSION_COOKIE not in answer.cookies
    assert "Signed in as" not in client.get("/").text
    assert_secure_page(answer)


def test_sign_in_form_without_its_csrf_token_is_refused(client, tokens):
    client.get("/")  # the pre-session cookie is set, but the form field is missing or wrong
    for data in ({"token": tokens["s1001"]}, {"token": tokens["s1001"], "csrf": "forged"}):
        answer = client.post("/login", data=data, follow_redirects=False)
        assert answer.status_code == 403 and "This form has expired or did not come from this site." in answer.text
        assert web_session.SESSION_COOKIE not in answer.cookies
    assert "Signed in as" not in client.get("/").text


def test_sign_out_needs_the_sessions_csrf_token(client, tokens):
    home = sign_in(client, tokens["s1001"])
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert "Signed in as Ada Lovelace" in client.get("/").text  # still signed in
    answer = client.post("/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert answer.status_code == 303
    assert 'max-age=0' in session_cookie_header(answer).lower()
    assert "<h1>Sign in</h1>" in client.get("/").text


def test_a_csrf_token_of_another_session_is_refused(client, make_app, course_dir, tokens):
    from fastapi.testclient import TestClient

    with TestClient(make_app(course_dir)) as other:
        other_page = sign_in(other, tokens["s1002"])
    home = sign_in(client, tokens["s1001"])
    assert csrf_of(home.text) != csrf_of(other_page.text)
    answer = client.post("/logout", data={"csrf": csrf_of(other_page.text)})
    assert answer.status_code == 403
    assert "Signed in as Ada Lovelace" in client.get("/").text


def test_a_forged_or_expired_session_cookie_signs_nobody_in(client, tokens, clock):
    import hashlib

    from grader.serve.service import token_hash

    sign_in(client, tokens["s1001"])
    cookie = client.cookies[web_session.SESSION_COOKIE]
    forged = [cookie[:-1] + ("A" if cookie[-1] != "A" else "B"), "s1002", token_hash(tokens["s1002"]),
              tokens["s1001"], hashlib.sha256(cookie.encode()).hexdigest(), "x" * 5000, ""]
    for value in forged:
        client.cookies.set(web_session.SESSION_COOKIE, value)
        assert "<h1>Sign in</h1>" in client.get("/").text, value
    client.cookies.set(web_session.SESSION_COOKIE, cookie)
    assert "Signed in as Ada Lovelace" in client.get("/").text
    assert tokens["s1001"] not in cookie  # the cookie is a random id: it says nothing of the token
    clock.advance(web_session.SESSION_LIFETIME + 1)
    assert "<h1>Sign in</h1>" in client.get("/").text


def test_reissuing_a_token_ends_its_sessions(client, tokens, course_dir, tmp_path):
    from serve_support import write_roster

    from grader.cli import main

    sign_in(client, tokens["s1001"])
    assert "Signed in as Ada Lovelace" in client.get("/").text
    assert main(["tokens", str(course_dir), "--roster", str(write_roster(tmp_path / "roster-again.csv")),
                 "--reissue", "s1001", "-o", str(tmp_path / "reissued.csv")]) == 0
    assert "<h1>Sign in</h1>" in client.get("/").text


def test_pages_for_signed_in_students_send_others_to_the_sign_in_form(client):
    for path in ("/assignments/hw-lstm-vae-gan", "/assignments/hw-lstm-vae-gan/attempts/1",
                 "/assignments/hw-lstm-vae-gan/sheet"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/", path
    assert client.post("/assignments/hw-lstm-vae-gan/attempts", data={}, follow_redirects=False).status_code == 303


def test_error_pages_are_sentences_with_the_same_headers(client, tokens):
    sign_in(client, tokens["s1001"])
    for path, status, sentence in [("/nowhere", 404, "Not found."),
                                   ("/assignments/hw-nothing", 404, "The course has no assignment <code>hw-nothing</code>."),
                                   ("/assignments/hw-lstm-vae-gan/attempts/7", 404,
                                    "You have no attempt 7 of <code>hw-lstm-vae-gan</code>.")]:
        answer = client.get(path)
        assert answer.status_code == status and f"<h1>{sentence}</h1>" in answer.text, (path, answer.text[-600:])
        assert "What to do:" in answer.text
        assert_secure_page(answer)


def test_an_oversized_sign_in_form_is_refused_before_it_is_parsed(client):
    form = client.get("/")
    answer = client.post("/login", data={"token": "x" * 100_000, "csrf": csrf_of(form.text)})
    assert answer.status_code == 413 and "The form is too large." in answer.text
    assert web_session.SESSION_COOKIE not in answer.cookies
