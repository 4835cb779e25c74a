"""The review queue and the one decision store: a group scored at once reaches its students at once ("TA
decision"), a changed answer goes back to the queue (stale), the page's review.yaml is what `grade batch
--overrides` applies to the same scores, and a review.yaml comes back in through a dry run first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pages_support import csrf_of, sign_in
from serve_support import leaked_keys
from staff_support import ASSIGNMENT, CORRECT, STAFF_API, TYPICAL, bearer, submit, with_text_answer

pytestmark = pytest.mark.reveals_key  # the staff's pages show the key; the students' responses are checked below

QUESTION = "p2.a.why"
REVIEW = f"/staff/assignments/{ASSIGNMENT}/review/{QUESTION}"
SAME = "The gates depend on h_{t-1}."  # four students write it (case and punctuation aside)
ANSWERS = {"s2000": SAME, "s2001": "the gates depend on h_{t-1}", "s2002": "THE GATES DEPEND ON H_{T-1}!",
           "s2003": "The gates depend on h_{t-1}.", "s2004": "The gates dpend on h_{t-1}.",  # a typo
           "s2005": "No input, no change."}


@pytest.fixture
def answered(desk):
    for student_id, text in ANSWERS.items():
        submit(desk.api, desk.tokens[student_id], with_text_answer(TYPICAL, student_id, QUESTION, text))
    return desk


def ta_browser(desk):
    browser = desk.browser()
    assert str(sign_in(browser, desk.staff["t01"]).url).endswith("/staff/")
    return browser


def queue(desk, threshold: int = 85) -> dict:
    response = desk.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}/review/{QUESTION}?threshold={threshold}",
                            headers=bearer(desk.staff["t01"]))
    assert response.status_code == 200
    return response.json()


def decide_group(browser, page_html: str, action: str, score: str = "", comment: str = ""):
    """Post the shown group's own form, as its button does."""
    form = re.search(r'<form method="post" action="([^"]+/decide)" aria-label="Decide the whole group">(.*?)</form>',
                     page_html, re.S)
    assert form, "the page shows no group form"
    data: dict[str, list[str]] = {"action": [action], "score": [score], "comment": [comment]}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(2)):
        data.setdefault(name, []).append(value)
    return browser.post(form.group(1), data=data, follow_redirects=False)


def student_view(desk, student_id: str) -> tuple[str, dict]:
    """The student's own attempt page and API answer (checked for the key: a student never sees it)."""
    browser = desk.browser()
    sign_in(browser, desk.tokens[student_id])
    page = browser.get(f"/assignments/{ASSIGNMENT}/attempts/1")
    api = desk.api.get(f"/api/v1/assignments/{ASSIGNMENT}/attempts/1", headers=bearer(desk.tokens[student_id]))
    assert not leaked_keys([page.content, api.content])
    return page.text, api.json()["result"]


def test_the_queue_groups_identical_and_near_identical_answers(answered):
    data = queue(answered)
    assert data["progress"]["answers"] == 6 and data["progress"]["decided"] == 0
    sizes = sorted(group["size"] for group in data["groups"])
    assert sizes == [1, 5]  # the four identical ones and the typo; the other answer alone
    assert data["progress"]["groups_left"] == 2
    exact = queue(answered, threshold=100)
    assert sorted(group["size"] for group in exact["groups"]) == [1, 1, 4]


def test_one_action_decides_a_group_and_its_students_see_a_ta_decision(answered):
    browser = ta_browser(answered)
    page = browser.get(REVIEW)
    assert "0 of 6 answers decided, 2 groups left" in page.text
    assert 'accesskey="f"' in page.text and 'accesskey="n"' in page.text
    response = decide_group(browser, page.text, "full", comment="Right: h_{t-1} still enters every gate.")
    assert response.status_code == 303 and "group=" in response.headers["location"]  # on to the next group
    after = browser.get(response.headers["location"])
    assert "5 of 6 answers decided, 1 group left" in after.text
    for student_id in ("s2000", "s2001", "s2002", "s2003", "s2004"):
        html, result = student_view(answered, student_id)
        question = next(q for q in result["questions"] if q["id"] == QUESTION)
        assert question["override"] == {"score": 1.0, "comment": "Right: h_{t-1} still enters every gate."}
        assert question["status"] == "correct" and question["score"] == 1.0
        assert "TA decision: 1 / 1" in html and "still enters every gate" in html
    html, result = student_view(answered, "s2005")
    assert "TA decision" not in html
    listed = answered.api.get("/api/v1/assignments", headers=bearer(answered.tokens["s2000"])).json()
    provisional = next(q for q in answered.api.get(f"/api/v1/assignments/{ASSIGNMENT}/attempts/1", headers=bearer(
        answered.tokens["s2005"])).json()["result"]["questions"] if q["id"] == QUESTION)["score"]
    assert listed["assignments"][0]["score"] == pytest.approx(14.5 - provisional + 1.0)  # the grade counts it


def test_a_decision_without_the_forms_token_is_refused_and_nothing_is_recorded(answered):
    browser = ta_browser(answered)
    page = browser.get(REVIEW).text
    forged = re.sub(r'name="csrf" value="[^"]+"', 'name="csrf" value="forged"', page)
    assert decide_group(browser, forged, "full").status_code == 403
    assert queue(answered)["progress"]["decided"] == 0


def test_a_changed_answer_goes_back_to_the_queue_marked_stale(answered):
    browser = ta_browser(answered)
    decide_group(browser, browser.get(REVIEW).text, "score", score="0.5")
    submit(answered.api, answered.tokens["s2001"], with_text_answer(CORRECT, "s2001", QUESTION, "A new idea."))
    data = queue(answered)
    stale = [answer for group in data["groups"] for answer in group["answers"] if answer["stale"]]
    assert [answer["student"] for answer in stale] == ["s2001"]
    assert data["progress"]["decided"] == 4
    assert "stale: the answer changed since it was scored 0.5" in browser.get(REVIEW + "?threshold=100").text
    text = answered.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}/downloads/review.yaml",
                            headers=bearer(answered.staff["t01"])).text
    entry = text.split('student: "s2001"')[1].split("- student:")[0]
    assert "stale: true" in entry and "previous_score: 0.5" in entry and "score:\n" in entry


def test_the_downloaded_review_yaml_gives_grade_batch_the_same_scores(answered, tmp_path):
    from grader.cli import main
    from grader.export.results_io import read_results

    browser = ta_browser(answered)
    page = browser.get(REVIEW).text
    second = browser.get(decide_group(browser, page, "score", score="0.75", comment="Half way").headers["location"])
    decide_group(browser, second.text, "zero")
    review = browser.get(f"/staff/assignments/{ASSIGNMENT}/downloads/review.yaml")
    assert review.status_code == 200 and "attachment" in review.headers["content-disposition"]
    (tmp_path / "review.yaml").write_bytes(review.content)
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student_id, text in ANSWERS.items():
        (folder / f"{student_id}.yaml").write_bytes(with_text_answer(TYPICAL, student_id, QUESTION, text))
    assert main(["batch", str(folder), "--rubric", str(Path(__file__).parents[2] / "rubrics" / f"{ASSIGNMENT}.yaml"),
                 "--out", str(tmp_path / "graded"), "--overrides", str(tmp_path / "review.yaml"), "--quiet"]) == 0
    batch = {result.student.id: result.score for result in read_results(tmp_path / "graded")}
    table = answered.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}", headers=bearer(answered.staff["t01"])).json()
    service = {row["id"]: row["score"] for row in table["students"] if row["score"] is not None}
    assert batch == service and len(batch) == 6
    decided = [json.loads(line) for line in (tmp_path / "graded" / "results.jsonl").read_text().splitlines()]
    overrides = {r["student"]["id"]: q["override"]["score"] for r in decided for q in r["questions"] if "override" in q}
    assert overrides == {"s2000": 0.75, "s2001": 0.75, "s2002": 0.75, "s2003": 0.75, "s2004": 0.75, "s2005": 0.0}


def test_an_uploaded_review_yaml_is_a_dry_run_until_applied(answered, tmp_path):
    from grader.cli import main

    text = answered.api.get(f"{STAFF_API}/assignments/{ASSIGNMENT}/downloads/review.yaml",
                            headers=bearer(answered.staff["t01"])).text
    decided = re.sub(r'(student: "s2005"(?:\n  .*)*?\n  score:)\n', r'\1 0.25\n  comment: "Say more."\n', text, 1)
    assert decided != text
    browser = ta_browser(answered)
    csrf = csrf_of(browser.get(f"/staff/assignments/{ASSIGNMENT}/review").text)
    dry = browser.post(f"/staff/assignments/{ASSIGNMENT}/decisions/import", data={"csrf": csrf},
                       files={"file": ("review.yaml", decided.encode(), "text/yaml")})
    assert dry.status_code == 200 and "A dry run" in dry.text and "1 of 1 decisions would be recorded" in dry.text
    assert queue(answered)["progress"]["decided"] == 0  # nothing recorded yet
    (tmp_path / "decided.yaml").write_text(decided, encoding="utf-8")
    assert main(["decisions", "import", str(answered.course), str(tmp_path / "decided.yaml")]) == 0
    assert queue(answered)["progress"]["decided"] == 0  # the command's dry run records nothing either
    content = re.search(r'name="content" value="([^"]+)"', dry.text).group(1)
    applied = browser.post(f"/staff/assignments/{ASSIGNMENT}/decisions/import",
                           data={"csrf": csrf, "content": content, "name": "review.yaml", "apply": "yes"})
    assert "Applied: 1 decision recorded" in applied.text
    html, result = student_view(answered, "s2005")
    assert "TA decision: 0.25 / 1" in html and "Say more." in html
    again = answered.api.post(f"{STAFF_API}/assignments/{ASSIGNMENT}/decisions/import", content=decided.encode(),
                              headers=bearer(answered.staff["t01"])).json()
    assert [item["state"] for item in again["plan"]] == ["unchanged"] and again["recorded"] == 0


def test_a_bad_review_yaml_is_refused_with_every_bad_entry(answered):
    bad = (b'- {student: "s2000", question: "p2.a.why", score: 7}\n'
           b'- {student: "nobody", question: "p2.a.why", score: 1}\n'
           b'- {student: "s2001", question: "p9", score: 1}\n')
    response = answered.api.post(f"{STAFF_API}/assignments/{ASSIGNMENT}/decisions/import", content=bad,
                                 headers=bearer(answered.staff["t01"]))
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "outside 0 to 1" in message and "p9" in message


def test_every_decision_is_in_the_audit_table_on_the_students_page(answered):
    browser = ta_browser(answered)
    decide_group(browser, browser.get(REVIEW).text, "full")
    page = browser.get(f"/staff/assignments/{ASSIGNMENT}/students/s2003")
    assert "Staff actions, newest first" in page.text
    row = re.search(r"<tr><th scope=\"row\">.*?</tr>", page.text.split("audit-caption")[-1], re.S).group(0)
    assert "t01" in row and "decide" in row and "p2.a.why: scored 1 (one of 5 answers decided together)" in row
    sign = answered.api.get(f"{STAFF_API}/audit", headers=bearer(answered.staff["t01"])).json()["audit"]
    assert any(entry["action"] == "sign-in" and entry["actor"] == "t01" for entry in sign)


def test_withdrawing_a_decision_makes_the_answer_provisional_again(answered):
    browser = ta_browser(answered)
    page = browser.get(REVIEW).text
    decide_group(browser, page, "full")
    decide_group(browser, browser.get(REVIEW + "?group=" + re.search(r'name="group" value="(\w+)"', page).group(1)).text,
                 "withdraw")
    assert queue(answered)["progress"]["decided"] == 0
    html, _ = student_view(answered, "s2000")
    assert "TA decision" not in html
