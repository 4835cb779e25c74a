"""LTI 1.3 end to end against a platform nobody here wrote (lti1p3platform, served live on 127.0.0.1):
login -> launch -> the student's page signed in; staff land on the staff pages; deep linking; a score posted
and read back from the platform's line item; the NRPS roster. tests/serve/lti_support.py is the platform."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("lti1p3platform", reason="the LTI tests need the test extra: pip install '.[test]'")

sys.path.insert(0, str(Path(__file__).parent))

from lti_support import CONTEXT_ID, launch_form, platform_launch  # noqa: E402
from serve_support import ASSIGNMENT, TYPICAL  # noqa: E402

from grader.cli import main  # noqa: E402

ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"


def launched(lms, user: str, link: str = "link-1"):
    """A browser that went through the whole launch, following every redirect: (browser, its last answer)."""
    browser = lms.browser()
    action, fields = platform_launch(browser, lms.platform, user, link)
    answer = browser.post(action, data=fields, follow_redirects=True)
    return browser, answer


def test_a_learner_launch_lands_signed_in_on_the_assignment_page(lms):
    login_url = lms.platform.url + "/start"
    browser = lms.browser()
    start = browser.get(login_url, params={"user": "ada", "link": "link-1"})
    login = browser.get(start.headers["location"])
    assert login.status_code == 302  # OIDC's redirect, to the platform's auth endpoint with state and nonce
    assert login.headers["location"].startswith(lms.platform.url + "/auth?")
    action, fields = launch_form(browser.get(login.headers["location"]).text)
    assert action == f"{lms.tool_url}/lti/launch"
    answer = browser.post(action, data=fields, follow_redirects=True)
    assert answer.status_code == 200
    assert str(answer.url) == f"{lms.tool_url}/assignments/{ASSIGNMENT}"
    assert "Signed in as Ada Lovelace" in answer.text and "Deep learning homework" in answer.text
    # the LMS student is the roster's s1001 (matched by the SIS id the platform sends): one student, not two
    students = lms.service.storage.students()
    assert [student.id for student in students] == ["s1001", "s1002", "s1003"]
    assert browser.get(f"{lms.tool_url}/api/v1/assignments", headers={"Authorization": f"Bearer {lms.tokens['s1001']}"}
                       ).json()["student"]["id"] == "s1001"


def test_learners_are_matched_by_email_or_made_from_the_launch(lms):
    _, charles = launched(lms, "charles")
    assert "Signed in as Charles Babbage" in charles.text  # matched by email, whatever its case
    _, nina = launched(lms, "nina")
    assert "Signed in as Nina New" in nina.text
    ids = [student.id for student in lms.service.storage.students()]
    assert ids == ["nina@example.edu", "s1001", "s1002", "s1003"]  # Nina made from the launch; Charles is s1002


def test_staff_land_on_the_staff_pages_with_their_role(lms):
    browser, answer = launched(lms, "pat")
    assert str(answer.url) == f"{lms.tool_url}/staff/assignments/{ASSIGNMENT}"
    assert answer.status_code == 200 and "Pat Professor" in answer.text
    _, ta = launched(lms, "tess")
    assert str(ta.url) == f"{lms.tool_url}/staff/assignments/{ASSIGNMENT}"
    members = {member.id: member.role for member, _ in lms.service.storage.staff_members()}
    assert members == {"pat@example.edu": "instructor", "tess@example.edu": "ta"}
    assert not any(student.id.startswith(("pat", "tess")) for student in lms.service.storage.students())
    audit = lms.service.storage.audit_entries()
    assert {entry.entry.actor for entry in audit if entry.entry.action == "sign-in"} == set(members)


def test_a_learner_on_a_link_without_an_assignment_lands_on_the_list(lms):
    from lti_support import Link

    lms.platform.links["nav"] = Link("nav", "Homework grader")  # course navigation: no custom assignment
    _, answer = launched(lms, "ada", "nav")
    assert str(answer.url) == f"{lms.tool_url}/" and "Your assignments" in answer.text


def test_deep_linking_returns_a_signed_resource_link_with_the_points(lms):
    browser = lms.browser()
    action, fields = platform_launch(browser, lms.platform, "pat", deep=True)
    picker = browser.post(action, data=fields)
    assert picker.status_code == 200 and "Add an assignment to the course" in picker.text
    assert "36 points" in picker.text
    ticket = picker.text.split('name="ticket" value="')[1].split('"')[0]
    returned = browser.post(f"{lms.tool_url}/lti/deep-link", data={"ticket": ticket, "assignment": ASSIGNMENT})
    assert returned.status_code == 200
    assert f"form-action 'self' {lms.platform.url}" in returned.headers["content-security-policy"]
    return_url, form = launch_form_jwt(returned.text)
    assert return_url == f"{lms.platform.url}/deep_link_return"
    accepted = browser.post(return_url, data=form)  # the platform validates it against the tool's JWKS
    assert accepted.status_code == 200, accepted.text
    [items] = lms.platform.deep_links
    assert items[0]["type"] == "ltiResourceLink" and items[0]["custom"] == {"assignment": ASSIGNMENT}
    assert items[0]["lineItem"] == {"scoreMaximum": 36.0, "label": "Deep learning homework: LSTM, VAE, GAN",
                                    "resourceId": ASSIGNMENT, "tag": "grade"}
    claims = lms.platform.claims_of(form["JWT"])
    assert claims["aud"] == lms.platform.url and claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == {
        "placement": "assignment_selection"}
    # the picker works once
    again = browser.post(f"{lms.tool_url}/lti/deep-link", data={"ticket": ticket, "assignment": ASSIGNMENT})
    assert again.status_code == 410 and "sent already or has expired" in again.text


def test_a_learner_cannot_deep_link(lms):
    browser = lms.browser()
    action, fields = platform_launch(browser, lms.platform, "ada", deep=True)
    refused = browser.post(action, data=fields)
    assert refused.status_code == 403 and "instructors and TAs add the tool to a course" in refused.text


def launch_form_jwt(page: str) -> tuple[str, dict[str, str]]:
    import html
    import re

    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    value = html.unescape(re.search(r'name="JWT" value="([^"]+)"', page).group(1))
    return action, {"JWT": value}


def test_a_score_is_posted_in_points_and_read_back_from_the_line_item(lms):
    browser, page = launched(lms, "ada")
    assert page.status_code == 200
    posted = browser.post(f"{lms.tool_url}{ATTEMPTS}", content=TYPICAL,
                          headers={"Authorization": f"Bearer {lms.tokens['s1002']}"})  # another student, no LMS link
    assert posted.status_code == 201
    ada = lms.tokens["s1001"]
    first = browser.post(f"{lms.tool_url}{ATTEMPTS}", content=TYPICAL.replace(b"s1002", b"s1001"),
                         headers={"Authorization": f"Bearer {ada}"})
    assert first.status_code == 201
    report = lms.runtime.sender.send_due()
    assert (report.sent, report.failed) == (1, 0)  # only Ada has an LMS resource link
    [lineitem] = lms.platform.line_items.values()  # created once, as the course had none
    assert (lineitem["resourceId"], lineitem["tag"], lineitem["scoreMaximum"]) == (ASSIGNMENT, "grade", 36.0)
    [result] = lms.platform.results(lineitem["id"])
    assert (result["userId"], result["resultScore"], result["resultMaximum"]) == ("sub-ada-9f3", 14.5, 36.0)
    [score] = lms.platform.scores[lineitem["id"]]
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "PendingManual"  # free text
    # a second attempt with the same score posts nothing; `grade lti sync` reposts with a later timestamp
    browser.post(f"{lms.tool_url}{ATTEMPTS}", content=TYPICAL.replace(b"s1002", b"s1001"),
                 headers={"Authorization": f"Bearer {ada}"})
    assert lms.runtime.sender.send_due().unchanged == 1
    assert main(["lti", "sync", str(lms.course), "--assignment", ASSIGNMENT]) == 0
    scores = lms.platform.scores[lineitem["id"]]
    assert len(scores) == 2 and scores[1]["timestamp"] > scores[0]["timestamp"]
    assert len(lms.platform.line_items) == 1  # found by resourceId and tag, never made twice
    assert lms.runtime.tokens.requests == 1  # one service token, cached until it expires, for every call


def test_a_ta_decision_sends_the_new_score(lms):
    from grader.serve.class_view import class_view
    from grader.serve.people import StaffRecord
    from grader.serve.review_queue import decide

    browser, _ = launched(lms, "ada")
    browser.post(f"{lms.tool_url}{ATTEMPTS}", content=TYPICAL.replace(b"s1002", b"s1001"),
                 headers={"Authorization": f"Bearer {lms.tokens['s1001']}"})
    assert lms.runtime.sender.send_due().sent == 1
    storage = lms.service.storage
    storage.save_staff_tokens([("t01", "Tess", None, "ta", "9" * 64)], lms.clock())
    view = class_view(lms.service.course, storage, ASSIGNMENT)
    for question in [q for q in view.student("s1001").result.questions if q.status == "needs_review"]:
        decide(storage, view, question.id, [("s1001", _answer_sha(view, question.id))], 0.0, None,
               StaffRecord("t01", "Tess", None, "ta"), "page", lms.clock())
    assert lms.runtime.sender.send_due().sent == 1
    [lineitem] = lms.platform.line_items.values()
    assert lms.platform.scores[lineitem["id"]][-1]["gradingProgress"] == "FullyGraded"


def _answer_sha(view, question_id: str) -> str:
    from grader.serve.review_queue import question_queue

    return question_queue(view, question_id).answers["s1001"].answer_sha256


def test_the_roster_adds_students_and_staff_from_the_lms(lms):
    launched(lms, "pat")  # a first launch tells the service where the course's members are
    assert main(["lti", "roster", str(lms.course), "--assignment", ASSIGNMENT]) == 0
    storage = lms.service.storage
    assert [student.id for student in storage.students()] == ["nina@example.edu", "s1001", "s1002", "s1003"]
    assert {member.id: member.role for member, _ in storage.staff_members()} == {
        "pat@example.edu": "instructor", "tess@example.edu": "ta"}
    # every Learner is now a member of the LMS course: a token attempt's score goes back without a launch
    launched_once = lms.browser()
    launched_once.post(f"{lms.tool_url}{ATTEMPTS}", content=TYPICAL,
                       headers={"Authorization": f"Bearer {lms.tokens['s1002']}"})
    # Charles has not launched, but his link is known from the instructor's launch and the roster
    report = lms.runtime.sender.send_due()
    assert report.sent == 1
    [lineitem] = lms.platform.line_items.values()
    assert [r["userId"] for r in lms.platform.results(lineitem["id"])] == ["sub-charles-71a"]
    assert json.dumps(CONTEXT_ID) in json.dumps([link.context_id for link in storage.lti_links()])
