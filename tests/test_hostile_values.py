"""The hostile-value corpus of issue 9: each one-liner, and the exact message it must produce.

Numbers of any size, numbers and null as keys, markup and terminal escapes in names and keys, a
900 KB answer, NaN and 1000/36 in a hand-edited results.jsonl: a message, never a traceback.
"""

from __future__ import annotations

import json

import pytest

from grader.cli import main

HEAD = 'assignment: hw-lstm-vae-gan\nstudent: {id: s1, name: "Ada"}\nanswers:\n'
DIGITS_5000 = "9" * 5000
TOO_LARGE = "We could not read this answer: {} is too large to be an answer; give the value you computed."
NOT_FINITE = "We could not read this answer: `{}` is not a finite number; give the value you computed."


def grade_json(write_submission, capsys, text: str) -> dict:
    path = write_submission(text=text)
    assert main([str(path), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return json.loads(captured.out)


def question(result: dict, qid: str) -> dict:
    return next(q for q in result["questions"] if q["id"] == qid)


@pytest.mark.parametrize("answers, qid, feedback", [
    # `c: 1` followed by 400 zeros: was an OverflowError traceback
    ("  p3: {c: 1" + "0" * 400 + "}\n", "p3.c", TOO_LARGE.format("`" + "1" + "0" * 39 + "…` (401 digits)")),
    # a 5000-digit integer: was a ValueError from the YAML int constructor (Python's 4300-digit limit)
    ("  p3: {c: " + DIGITS_5000 + "}\n", "p3.c", TOO_LARGE.format("`" + "9" * 40 + "…` (5,000 digits)")),
    # floats past 1.8e308, as YAML floats and as text
    ("  p3: {c: 1.0e+400}\n", "p3.c", TOO_LARGE.format("`1.0e+400`")),
    ("  p3: {c: -1.0e+400}\n", "p3.c", TOO_LARGE.format("`-1.0e+400`")),
    ("  p3: {c: '2 × 10^400'}\n", "p3.c", TOO_LARGE.format("`2 × 10^400`")),
    ("  p3: {c: '1 x 10^" + DIGITS_5000 + "'}\n", "p3.c",
     TOO_LARGE.format("`1 x 10^" + "9" * 33 + "…` (5,003 digits)")),
    ("  p3: {c: 1e999/1e999}\n", "p3.c", TOO_LARGE.format("`1e999/1e999`")),
    # .nan and .inf written as such
    ("  p3: {c: .nan}\n", "p3.c", NOT_FINITE.format("nan")),
    ("  p3: {c: -.inf}\n", "p3.c", NOT_FINITE.format("-inf")),
    # a date that is none, and digits int() refuses, in a shape
    ("  p3: {c: 2001-13-45}\n", "p3.c", "We could not read this answer: `2001-13-45` is not a number; write a decimal "
     "like 0.25, a fraction like 1/4 or a percentage like 25%."),
    ("  p3: {a: {f: '2²'}}\n", "p3.a.f",
     "We could not read this answer: `2²` is not a shape; write dimensions like 1x1, (2, 1) or `scalar`."),
    # other question types given a huge number
    ("  p5: {c: 1.0e+400}\n", "p5.c", "We could not read this answer: `1.0e+400` is not one of the options; "
     "choose one of: saturating / non-saturating."),
])
def test_huge_and_odd_numbers_are_invalid_answers(write_submission, capsys, answers, qid, feedback):
    result = grade_json(write_submission, capsys, HEAD + answers)
    graded = question(result, qid)
    assert (graded["status"], graded["feedback"]) == ("invalid", feedback)


@pytest.mark.parametrize("answers, qid", [
    ("  p3: {a: {f: " + DIGITS_5000 + "}}\n", "p3.a.f"),   # shape: int() of 5000 digits was a ValueError
    ("  p2: {a: " + DIGITS_5000 + "}\n", "p2.a"),          # true/false
    ("  p4: {a: {standard: 1" + "0" * 400 + "}}\n", "p4.a.standard"),  # expression
    ("  p4: {a: {standard: 1.0e+400}}\n", "p4.a.standard"),
])
def test_huge_numbers_in_every_question_type(write_submission, capsys, answers, qid):
    graded = question(grade_json(write_submission, capsys, HEAD + answers), qid)
    assert graded["status"] == "invalid" and graded["feedback"].startswith("We could not read this answer: ")


@pytest.mark.parametrize("answers, warning", [
    # a student numbering the problems: was a pydantic ValidationError traceback
    ("  2: {a: false}\n",
     "`answers.2.a` is not a question of this assignment (did you mean `p2.a`?); it was not graded"),
    ("  null: 1\n", "`answers.null` is not a question of this assignment; it was not graded"),
    ("  true: 1\n", "`answers.true` is not a question of this assignment; it was not graded"),
    ("  1.5: 1\n", "`answers.1.5` is not a question of this assignment; it was not graded"),
    ("  2001-01-01: 1\n", "`answers.2001-01-01` is not a question of this assignment; it was not graded"),
    ("  p2: {1: true}\n",
     "`answers.p2.1` is not a question of this assignment (did you mean `p2.d`?); it was not graded"),
])
def test_numbers_and_null_as_keys_are_warnings(write_submission, capsys, answers, warning):
    result = grade_json(write_submission, capsys, HEAD + answers)
    assert warning in result["warnings"]


@pytest.mark.parametrize("text, message", [
    (HEAD + "  2: 1\n  '2': 2\n",
     "answers: the key `2` is given twice (once as a number or null, once as text)"),
    ("assignment: hw-lstm-vae-gan\nstudent: {id: .inf}\n", 'student.id: `student.id` must be text, like "s1024"'),
    ("assignment: hw-lstm-vae-gan\nstudent: {id: " + DIGITS_5000 + "}\n",
     "student.id: `" + "9" * 40 + "` is not a student id"),
    ("assignment: hw-lstm-vae-gan\nstudent: [s1, Ada]\n", "student: `student` is missing or is not a mapping"),
    ("assignment: " + DIGITS_5000 + "\nstudent: {id: s1}\n", "is not an assignment id"),
    ("assignment: 1.0e+400\nstudent: {id: s1}\n", "is not an assignment id"),
])
def test_odd_values_in_the_file_are_refused_with_a_message(write_submission, capsys, text, message):
    path = write_submission(text=text)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("student, name, warnings", [
    ("{id: s1, name: 42}", "42", []),
    ("{id: s1, name: [Ada, Lovelace]}", None,
     ['`student.name` is ignored: write it as text, like `name: "Ada Lovelace"`']),
    ("{id: 1024, name: 1.0e+400}", "1.0e+400", []),
])
def test_odd_names_are_read_as_text_or_ignored(write_submission, capsys, student, name, warnings):
    text = f"assignment: hw-lstm-vae-gan\nstudent: {student}\nanswers: {{}}\n"
    result = grade_json(write_submission, capsys, text)
    assert result["student"].get("name") == name
    assert [w for w in result["warnings"] if w.startswith("`student.")] == warnings


MARKUP_NAME = "<img src=x onerror=alert(1)>"
TERMINAL_NAME = "\x1b]0;pwned\x07\x1b[2J"


def test_terminal_escapes_are_shown_not_run(write_submission, capsys):
    text = ('assignment: hw-lstm-vae-gan\nstudent: {id: s1, name: "\\e]0;pwned\\a\\e[2J"}\nanswers:\n'
            '  "p9\\e[31m": 1\n  p3: {c: "\\e[2J1"}\n')
    path = write_submission(text=text)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "Student: \\x1b]0;pwned\\x07\\x1b[2J (s1)" in out
    assert "    your answer: \\x1b[2J1\n" in out
    assert "  - `answers.p9\\x1b[31m` is not a question of this assignment; it was not graded\n" in out


def test_terminal_escapes_in_a_refused_file_are_shown_not_run(write_submission, capsys):
    path = write_submission(text='assignment: hw-lstm-vae-gan\nstudent: {id: "\\e[2Js1"}\n')
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "`\\x1b[2Js1` is not a student id" in err


def test_markup_in_a_name_is_escaped_in_markdown(write_submission, capsys):
    path = write_submission(text=f'assignment: hw-lstm-vae-gan\nstudent: {{id: s1, name: "{MARKUP_NAME}"}}\n'
                                 'answers:\n  "p9`](javascript:alert(1))": 1\n')
    assert main([str(path), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert "<img" not in markdown
    assert "**Student:** &lt;img src=x onerror=alert(1)&gt; (s1)" in markdown
    # the key's backtick is escaped: it cannot close a code span, and no link can start without a `[`
    assert "- \\`answers.p9\\`](javascript:alert(1))\\` is not a question of this assignment; it was not graded" \
        in markdown


def test_a_900_kb_answer_makes_a_short_report(write_submission, capsys):
    answer = "the posterior collapses " * 37_500  # 900,000 characters
    path = write_submission(text=HEAD + f"  p4: {{b: '{answer}'}}\n  p5: {{c: '{answer[:90_000]}'}}\n")
    for report_format in ("text", "markdown", "html"):
        assert main([str(path), "--format", report_format]) == 0
        report = capsys.readouterr().out
        assert len(report) < 60_000, report_format
    assert main([str(path)]) == 0
    assert "… (cut: the answer is 900,000 characters)" in capsys.readouterr().out


def write_results(folder, lines: list[dict]) -> None:
    folder.mkdir()
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)  # as `grade batch` writes it
    (folder / "results.jsonl").write_text(text + "\n", encoding="utf-8")


def result_line(student: str, score: float, max_score: float = 36.0) -> dict:
    return {"assignment": "hw-lstm-vae-gan", "student": {"id": student}, "score": score, "max_score": max_score,
            "questions": [{"id": "p1", "score": score, "max_score": max_score, "status": "partial", "feedback": ""}]}


FIX = ("  fix: run `grade batch` again to rewrite results.jsonl (TA decisions belong in an --overrides file), "
       "or correct the number on that line")


@pytest.mark.parametrize("lines, message", [
    # NaN: was a traceback
    ([result_line("s1", 30), result_line("s2", float("nan"))],
     "line 2: student `s2`: the score is `nan`, not a finite number"),
    ([result_line("s1", float("inf"))], "line 1: student `s1`: the score is `inf`, not a finite number"),
    # 1000 of 36: was exported
    ([result_line("s1", 1000)],
     "line 1: student `s1`: the score 1000 is outside 0..36 (the rubric declares no bonus points)"),
    ([result_line("s1", -1)],
     "line 1: student `s1`: the score -1 is outside 0..36 (the rubric declares no bonus points)"),
    # question scores that do not add up; points that do not add up; two maxima
    ([{**result_line("s1", 30),
     "score": 31}], "line 1: student `s1`: the question scores add up to 30, but the score is 31"),
    ([{**result_line("s1", 30),
     "max_score": 40}], "line 1: student `s1`: the questions are worth 36 points, but max_score is 40"),
    ([result_line("s1", 30), result_line("s2", 30, 40)], "line 2: max_score is 40 here, but 36 on line 1"),
])
@pytest.mark.parametrize("target", ["csv", "canvas", "moodle"])
def test_exports_refuse_impossible_scores(tmp_path, capsys, lines, message, target):
    out = tmp_path / "out"
    write_results(out, lines)
    extra = {"canvas": ["--assignment", "HW"], "moodle": ["--item", "HW"], "csv": []}[target]
    assert main(["export", target, str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {out / 'results.jsonl'}: {message}\n{FIX}\n"
    assert sorted(path.name for path in out.iterdir()) == ["results.jsonl"]  # nothing was exported


def test_a_name_with_unicode_line_separators_exports(tmp_path, capsys):
    """JSON leaves U+2028 and U+0085 raw: results.jsonl is split on newlines only, not str.splitlines()."""
    out = tmp_path / "out"
    line = result_line("s1", 30)
    line["student"]["name"] = "Ada\u2028Love\x85lace"
    write_results(out, [line, result_line("s2", 20)])
    assert main(["export", "csv", str(out)]) == 0
    assert "Ada\u2028Love\x85lace" in (out / "grades.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("question, message", [
    ("{id: q1, type: numeric, points: .inf, answer: 0.5}",
     "questions[0] (q1).points: expected a finite number, got `inf`"),
    ("{id: q1, type: numeric, points: 1.0e+400, answer: 0.5}",
     'questions[0] (q1).points: expected a finite number, got the text "1.0e+400"'),
    ("{id: q1, type: numeric, points: " + DIGITS_5000 + ", answer: 0.5}",
     'questions[0] (q1).points: expected a finite number, got the text "' + "9" * 40 + '…"'),
    ("{id: q1, type: numeric, points: 1, answer: 0.5, tolerance: {rel: .inf}}",
     "questions[0] (q1).tolerance.rel: expected a finite number, got `inf`"),
    ("{id: q1, type: numeric, points: 1, answer: 1.0e+400}", "a numeric answer must be a number"),
])
def test_huge_numbers_in_a_rubric_refuse_it(tmp_path, capsys, question, message):
    rubric = tmp_path / "r.yaml"
    rubric.write_text(f"id: hw-r\ntitle: R\nquestions:\n  - {question}\n", encoding="utf-8")
    submission = tmp_path / "s.yaml"
    submission.write_text("assignment: hw-r\nstudent: {id: s1}\nanswers: {q1: 0.5}\n", encoding="utf-8")
    assert main([str(submission), "--rubric", str(rubric)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
