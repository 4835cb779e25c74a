"""Every bad submission file: a clear message naming the file and the fix, exit 2, no traceback."""

import pytest

from grader.cli import main

GOOD_HEAD = "assignment: hw-lstm-vae-gan\nstudent: {id: s1}\n"


@pytest.mark.parametrize("content, message", [
    # not YAML, with line and column
    (GOOD_HEAD + "answers:\n  p3: {b: [1, 2}\n", "line 4, column 16: not valid YAML"),
    # empty, comments only
    ("", "the file is empty"),
    ("# nothing yet\n", "only comments"),
    # not a mapping
    ("- 1\n- 2\n", "holds a list, not a mapping"),
    ("just text\n", "holds a single value, not a mapping"),
    # missing assignment or student.id
    ("student: {id: s1}\nanswers: {}\n", "`assignment` is missing"),
    ("assignment: hw-lstm-vae-gan\nanswers: {}\n", "`student` is missing"),
    ("assignment: hw-lstm-vae-gan\nstudent: {name: Ada}\n", "`student.id` is missing"),
    ("assignment: hw-lstm-vae-gan\nstudent: {id: ../../etc/passwd}\n", "is not a student id"),
    # an assignment that does not match a rubric
    ("assignment: hw-unknown\nstudent: {id: s1}\n", "there is no rubric for assignment `hw-unknown`"),
    ("assignment: ../rubrics/x\nstudent: {id: s1}\n", "is not an assignment id"),
    # a key given twice
    (GOOD_HEAD + "answers:\n  p5: {c: saturating}\n  p5: {c: non-saturating}\n", "the key `p5` is given twice"),
    # YAML tags
    (GOOD_HEAD + "answers: !!python/object/apply:os.system ['echo hacked']\n", "tag `!!python/object/apply:os.system` is not allowed"),
    (GOOD_HEAD + "answers: {p3: !!binary aGVsbG8=}\n", "tag `!!binary` is not allowed"),
    (GOOD_HEAD + "answers: {p3: !custom x}\n", "tag `!custom` is not allowed"),
    # aliases that expand past a limit (billion laughs)
    (GOOD_HEAD + "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "expands to more than"),
    # deeply nested input
    (GOOD_HEAD + "answers: " + "[" * 200 + "]" * 200 + "\n", "nests more than 32 levels"),
    (GOOD_HEAD + "answers: " + "[" * 5000 + "]" * 5000 + "\n", "nest too deeply"),
    # answers of the wrong kind
    (GOOD_HEAD + "answers: [1, 2]\n", "`answers` must be a mapping"),
])
def test_bad_file(write_submission, capsys, content, message):
    path = write_submission(text=content)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert str(path) in err
    assert "Traceback" not in err


def test_file_over_one_mib(write_submission, capsys):
    path = write_submission(text=GOOD_HEAD + "answers:\n  p4: {b: '" + "x" * (1024 * 1024) + "'}\n")
    assert main([str(path)]) == 2
    assert "larger than 1024 KiB" in capsys.readouterr().err


def test_invalid_utf8(tmp_path, capsys):
    path = tmp_path / "submit.yaml"
    path.write_bytes(GOOD_HEAD.encode() + b"answers: {p4: {b: '\xff\xfe caf\xe9'}}\n")
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "line 3, column 20" in err


def test_missing_file(tmp_path, capsys):
    assert main([str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_wrong_assignment_for_the_given_rubric(write_submission, capsys, tmp_path):
    rubric = tmp_path / "other.yaml"
    rubric.write_text("id: other\ntitle: Other\nquestions:\n  - {id: q1, type: numeric, points: 1, answer: 0.5}\n")
    path = write_submission({"q1": 0.5})
    assert main([str(path), "--rubric", str(rubric)]) == 2
    assert "the rubric is for `other`" in capsys.readouterr().err


def test_nothing_is_executed(write_submission, tmp_path, capsys):
    marker = tmp_path / "pwned"
    path = write_submission(text=GOOD_HEAD + f"answers: !!python/object/apply:os.system ['touch {marker}']\n")
    assert main([str(path)]) == 2
    assert not marker.exists()


def test_debug_shows_the_traceback(write_submission):
    path = write_submission(text="")
    from grader.errors import SubmissionError

    with pytest.raises(SubmissionError):
        main([str(path), "--debug"])
