"""Helpers for the batch tests: a class to grade (the repo's examples, ~60 generated files, a few malformed)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent.parent
RUBRIC_PATH = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"
SUBMISSIONS = REPO / "submissions"

GENERATED = 60
# Malformed files: name -> text. Each must land in problems.jsonl and nowhere else.
MALFORMED = {
    "broken/not-yaml.yaml": "assignment: hw-lstm-vae-gan\nstudent: {id: s9001\nanswers: [\n",
    "broken/a-list.yml": "- just\n- a list\n",
    "broken/no-id.yaml": "assignment: hw-lstm-vae-gan\nstudent: {name: Nobody}\nanswers: {}\n",
    "broken/other-assignment.yaml": "assignment: hw-other\nstudent: {id: s9004}\nanswers: {}\n",
    "broken/python-tag.yaml": "assignment: hw-lstm-vae-gan\nstudent: !!python/object:os.system {id: s9005}\n",
    "empty.yaml": "",
}
NOT_SUBMISSIONS = {"notes.txt": "not a submission", "data.json": "{}"}  # ignored: wrong suffix
BAD_IN_REPO = {"invalid.yaml"}  # the shipped example of a file that cannot be graded
EXAMPLES = ("correct.yaml", "invalid.yaml", "typical-mistakes.yaml")  # the repo's examples of THIS assignment


def correct_answers() -> dict[str, Any]:
    return yaml.safe_load((SUBMISSIONS / "correct.yaml").read_text(encoding="utf-8"))


def generated_submission(number: int) -> dict[str, Any]:
    """A varied but deterministic submission: right, slightly wrong, with known mistakes, missing bits."""
    document = copy.deepcopy(correct_answers())
    document["student"] = {"id": f"s{2000 + number}", "name": f"Student {number:02d}",
                           "email": f"s{2000 + number}@example.edu"}
    answers = document["answers"]
    kind = number % 6
    if kind == 1:  # the tanh forgotten in h1 (a known mistake) and the sum instead of the mean
        answers["p3"]["b"]["h1"] = 0.2211
        answers["p3"]["c"] = 1.0597
    elif kind == 2:  # wrong true/false answers and a wrong choice
        answers["p2"]["a"]["answer"] = True
        answers["p2"]["b"]["answer"] = True
        answers["p5"]["b"]["answer"] = "closer to 1"
    elif kind == 3:  # missing and unreadable answers, short justifications
        del answers["p4"]
        answers["p3"]["b"]["c2"] = "f2*c1 + i2*ctilde2"
        answers["p2"]["a"]["why"] = "Because nothing changes."
    elif kind == 4:  # arbitrary wrong numbers, rounded like a hand computation
        answers["p3"]["b"]["f1"] = round(0.70 + number / 1000, 4)
        answers["p3"]["b"]["o2"] = 0.5
    elif kind == 5:  # answers written the ways students write them
        answers["p3"]["b"]["h2"] = "−0.18988"
        answers["p3"]["c"] = "≈ 0.5299"
    return document


def write_class(folder: Path, *, extra: dict[str, str] | None = None) -> Path:
    """Fill `folder` with the repo's submissions, the generated ones and the malformed ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLES:
        shutil.copyfile(SUBMISSIONS / name, folder / name)
    for number in range(GENERATED):
        target = folder / f"section-{number % 3}" / f"student-{number:02d}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text(yaml.safe_dump(generated_submission(number), allow_unicode=True, sort_keys=False),
                          encoding="utf-8")
    for name, text in {**MALFORMED, **NOT_SUBMISSIONS, **(extra or {})}.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}
