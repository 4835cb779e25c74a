"""Helpers for the web page tests: sign in as a browser would, read a form's CSRF token, check headers."""

from __future__ import annotations

import re
from typing import Any

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
STYLE_NONCE = re.compile(r"<style nonce=\"([^\"]+)\">")


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on the page."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: Any, token: str) -> Any:
    """Sign in through the form, as a browser does: GET / for the form, POST /login; the final page."""
    form = client.get("/")
    return client.post("/login", data={"token": token, "csrf": csrf_of(form.text)})


def assert_secure_page(response: Any) -> None:
    """The headers every page carries, and a CSP that admits the page's own styles and nothing else."""
    headers = response.headers
    policy = headers["content-security-policy"]
    for directive in ("default-src 'none'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in policy, (directive, policy)
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "<script" not in response.text
    assert " style=" not in response.text  # an inline style attribute would be blocked by the CSP
    nonces = STYLE_NONCE.findall(response.text)
    assert nonces and response.text.count("<style") == len(nonces), "every <style> carries the nonce"
    assert all(f"style-src 'nonce-{nonce}'" in policy for nonce in nonces), policy


def attempts_left_text(html: str) -> str:
    """What the assignment page says under "Attempts" (e.g. `2 left (1 used)`)."""
    found = re.search(r'<dd id="attempts-left">(.*?)</dd>', html, re.S)
    assert found, "the assignment page shows no attempts left"
    return " ".join(found.group(1).split())
