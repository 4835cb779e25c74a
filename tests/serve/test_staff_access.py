"""Who reaches the staff routes: every `/staff/...` page and `/api/v1/staff/...` call, found in the app itself
(a route added later is scanned too), with no credential, a student's and a staff member's.

No credential: 401 (the API's JSON error; the pages' sign-in form). A student's token or session: 403.
A TA: anything but 401 and 403, except applying a regrade (an instructor's), which is 403 for a TA.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from pages_support import assert_secure_page, csrf_of, sign_in
from staff_support import ASSIGNMENT, CORRECT, TYPICAL, bearer, submit, with_text_answer

pytestmark = pytest.mark.reveals_key  # staff pages show the key (`expected`) by design

PARAMETERS = {"assignment_id": ASSIGNMENT, "student_id": "s2001", "number": "1", "question_id": "p2.a.why",
              "name": "review.yaml"}
INSTRUCTOR_ONLY = {("POST", "/api/v1/staff/assignments/{assignment_id}/regrade"),
                   ("POST", "/staff/assignments/{assignment_id}/regrade")}


def staff_routes(app) -> list[tuple[str, str]]:
    """Every route of the service's routers under /staff and /api/v1/staff (the app includes these four)."""
    from grader.serve import api, pages, staff_api, staff_pages

    found = [(method, route.path) for router in (api.router, pages.router, staff_api.router, staff_pages.router)
             for route in router.routes if isinstance(route, APIRoute)
             and (route.path.startswith("/staff") or route.path.startswith("/api/v1/staff")) for method in route.methods]
    return sorted(found)


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PARAMETERS[match.group(1)], path)


@pytest.fixture
def submitted(desk):
    submit(desk.api, desk.tokens["s2001"], with_text_answer(TYPICAL, "s2001", "p2.a.why", "It depends on h."))
    submit(desk.api, desk.tokens["s2002"], with_text_answer(CORRECT, "s2002", "p2.a.why", "It depends on h."))
    return desk


def call(client, method: str, path: str, headers=None, csrf: str | None = None):
    if method == "GET":
        return client.get(path, headers=headers, follow_redirects=False)
    if path.startswith("/api/"):
        return client.post(path, content=b"{}", headers={**(headers or {}), "Content-Type": "application/json"})
    return client.post(path, data={"csrf": csrf} if csrf else {}, follow_redirects=False)


def test_the_scan_covers_every_staff_route(submitted):
    routes = staff_routes(submitted.app)
    assert len(routes) >= 25, routes
    pages = [path for _, path in routes if path.startswith("/staff")]
    api = [path for _, path in routes if path.startswith("/api/v1/staff")]
    for expected in ("/staff/", "/staff/assignments/{assignment_id}/review/{question_id}",
                     "/staff/assignments/{assignment_id}/regrade", "/staff/audit"):
        assert expected in pages
    for expected in ("/api/v1/staff/course", "/api/v1/staff/assignments/{assignment_id}/review/{question_id}/decisions",
                     "/api/v1/staff/assignments/{assignment_id}/decisions/import"):
        assert expected in api


def test_no_credential_is_401_and_the_pages_show_the_sign_in_form(submitted):
    client = submitted.browser()
    for method, path in staff_routes(submitted.app):
        response = call(client, method, concrete(path))
        assert response.status_code == 401, (method, path, response.status_code)
        if path.startswith("/api/"):
            assert response.json()["error"]["status"] == 401
            assert response.headers["www-authenticate"].startswith("Bearer")
        else:
            assert 'name="token"' in response.text, (method, path)  # the sign-in form itself
            assert_secure_page(response)


def test_a_student_token_and_a_student_session_are_403_everywhere(submitted):
    browser = submitted.browser()
    assert sign_in(browser, submitted.tokens["s2001"]).status_code == 200
    assert browser.get("/").text.count("Your assignments") >= 1
    csrf = csrf_of(browser.get("/").text)
    for method, path in staff_routes(submitted.app):
        client, headers = (submitted.api, bearer(submitted.tokens["s2001"])) if path.startswith("/api/") else (
            browser, None)
        response = call(client, method, concrete(path), headers, csrf)
        assert response.status_code == 403, (method, path, response.status_code, response.text[:300])
        assert "staff" in response.text


def test_a_ta_reaches_every_route_but_applying_a_regrade(submitted):
    browser = submitted.browser()
    landed = sign_in(browser, submitted.staff["t01"])
    assert str(landed.url).endswith("/staff/") and "Signed in as Tess Assistant" in landed.text
    csrf = csrf_of(browser.get("/staff/assignments/hw-lstm-vae-gan/review").text)
    for method, path in staff_routes(submitted.app):
        client, headers = (submitted.api, bearer(submitted.staff["t01"])) if path.startswith("/api/") else (
            browser, None)
        response = call(client, method, concrete(path), headers, csrf)
        if (method, path) in INSTRUCTOR_ONLY:
            assert response.status_code == 403 and "instructor" in response.text, (method, path)
        else:
            assert response.status_code not in (401, 403), (method, path, response.status_code, response.text[:300])
            assert response.status_code < 500, (method, path, response.text[:300])
        if method == "GET" and not path.startswith("/api/") and response.headers["content-type"].startswith("text/html"):
            assert_secure_page(response)


def test_an_instructor_may_apply_a_regrade(submitted):
    response = submitted.api.post(f"/api/v1/staff/assignments/{ASSIGNMENT}/regrade",
                                  headers=bearer(submitted.staff["i01"]))
    assert response.status_code == 200 and response.json()["applied"] is True


def test_a_staff_token_is_refused_by_the_student_api_and_counts_as_no_student(submitted):
    response = submitted.api.get("/api/v1/assignments", headers=bearer(submitted.staff["t01"]))
    assert response.status_code == 403 and "staff token" in response.json()["error"]["message"]
    course = submitted.api.get("/api/v1/staff/course", headers=bearer(submitted.staff["t01"])).json()
    overview = course["assignments"][0]
    assert overview["submitted"] == 2 and len(overview["not_submitted"]) == 6  # eight students, no staff
    assert "t01" not in overview["not_submitted"] and "i01" not in overview["not_submitted"]


def test_a_staff_session_on_the_students_first_page_goes_to_the_staff_pages(submitted):
    browser = submitted.browser()
    sign_in(browser, submitted.staff["i01"])
    response = browser.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/"
