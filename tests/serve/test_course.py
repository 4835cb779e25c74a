"""course.yaml: a strict model whose mistakes are messages naming the file, the key and the fix."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from serve_support import RUBRIC

from grader.cli import main
from grader.errors import UsageError
from grader.serve.course import load_course


def write(tmp_path, assignment=None, **top):
    document = {"title": "Course", "assignments": [{"id": "hw-lstm-vae-gan", "rubric": str(RUBRIC),
                                                     **(assignment or {})}], **top}
    (tmp_path / "course.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return tmp_path


def test_a_full_course_loads(tmp_path):
    course = load_course(write(tmp_path, {"opens": "2026-11-20T00:00:00Z", "due": "2026-12-01T23:59:00-05:00",
                                          "attempts": 10, "cooldown": 60, "score": "last", "feedback": "statuses",
                                          "after_due": "reveal"}))
    assignment = course.assignment("hw-lstm-vae-gan")
    assert assignment.due == dt.datetime(2026, 12, 2, 4, 59, tzinfo=dt.timezone.utc)
    assert (assignment.attempts, assignment.cooldown, assignment.score) == (10, 60, "last")
    assert course.rubrics["hw-lstm-vae-gan"].rubric.max_score == 36


def test_yaml_timestamps_work_too(tmp_path):
    (tmp_path / "course.yaml").write_text(f"title: C\nassignments:\n  - id: hw-lstm-vae-gan\n    rubric: {RUBRIC}\n"
                                          "    due: 2026-12-01T23:59:00-05:00\n", encoding="utf-8")
    assert load_course(tmp_path).assignments["hw-lstm-vae-gan"].due.hour == 4


@pytest.mark.parametrize("assignment, top, message", [
    ({"atempts": 3}, {}, "unknown key `atempts` (did you mean `attempts`?)"),
    ({"due": "2026-12-01"}, {}, "has no time of day"),
    ({"due": "2026-12-01T23:59:00"}, {}, "has no time zone"),
    ({"due": "next friday"}, {}, "is not a date and time"),
    ({"attempts": 0}, {}, "must be at least 1"),
    ({"feedback": "some"}, {}, "'full', 'statuses' or 'total'"),
    ({"after_due": "open"}, {}, "'closed', 'feedback' or 'reveal'"),
    ({"rubric": "nowhere.yaml"}, {}, "the rubric file `nowhere.yaml` does not exist"),
    ({"id": "hw-other"}, {}, "the rubric's id is `hw-lstm-vae-gan`, not `hw-other`"),
    ({}, {"extra": 1}, "unknown key `extra`"),
])
def test_mistakes_name_the_file_and_the_key(tmp_path, assignment, top, message):
    with pytest.raises(UsageError) as raised:
        load_course(write(tmp_path, assignment, **top))
    text = str(raised.value)
    assert message in text and "course.yaml" in text


def test_an_assignment_listed_twice(tmp_path):
    entry = {"id": "hw-lstm-vae-gan", "rubric": str(RUBRIC)}
    (tmp_path / "course.yaml").write_text(yaml.safe_dump({"title": "C", "assignments": [entry, entry]}))
    with pytest.raises(UsageError, match="listed twice"):
        load_course(tmp_path)


def test_serve_on_a_folder_without_a_course_is_a_message_not_a_traceback(tmp_path, capsys):
    assert main(["serve", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "there is no course.yaml here" in err and "Traceback" not in err
