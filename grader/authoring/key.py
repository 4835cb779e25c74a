"""`grade key`: the canonical answers, computed by the solver, with their evidence.

On a rubric with variants and no `--student`, the key is for the default numbers, which no
student has: the text key starts with a banner and the JSON key carries a `notice`."""

from __future__ import annotations

import json
from typing import Any

from grader.questions import TextQuestion
from grader.reports import render_template
from grader.rubric import LoadedRubric
from grader.authoring.sheet import shows_default_numbers
from grader.variants import DEFAULT_NUMBERS_NOTICE

DEFAULT_NUMBERS_BANNER = ("*** DEFAULT NUMBERS: no student has these. This assignment gives every student their own "
                          "numbers;\n*** use --student ID for a student's key. ***\n\n")


def answer_key(rubric: LoadedRubric, student_id: str | None = None) -> dict[str, Any]:
    """{assignment, max_score, answers: {id: {type, points, answer, shown, evidence?, ...}}} (JSON-able)."""
    key = rubric.key(student_id)
    answers: dict[str, Any] = {}
    for qid, question in rubric.questions.items():
        entry: dict[str, Any] = {"type": question.type, "points": question.points}  # type: ignore[attr-defined]
        if isinstance(question, TextQuestion):
            entry["answer"] = question.model_answer
            entry["concepts"] = [{"name": c.name, "points": c.points} for c in question.concepts]
        else:
            value = rubric.value(question.answer, key)  # type: ignore[attr-defined]
            entry["answer"] = value
            entry["shown"] = question.describe(value)
        evidence = rubric.value(question.evidence, key)
        if evidence:
            entry["evidence"] = evidence
        if question.mistakes:
            entry["mistakes"] = {m.code: key[m.ref] for m in question.mistakes}
        answers[qid] = entry
    document: dict[str, Any] = {"assignment": rubric.id, "title": rubric.rubric.title,
                                "max_score": rubric.rubric.max_score}
    if student_id is not None:
        document["student"] = student_id
    if rubric.solver is not None and rubric.solver.variants is not None:
        document["numbers"] = rubric.solver.variants.source(student_id)  # default, drawn or frozen
    if shows_default_numbers(rubric, student_id):
        document["notice"] = DEFAULT_NUMBERS_NOTICE
    document["answers"] = answers
    return document


def render_key(rubric: LoadedRubric, report_format: str, student_id: str | None = None) -> str:
    document = answer_key(rubric, student_id)
    if report_format == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    text = render_template("key.txt.j2", key=document, rubric=rubric)
    return DEFAULT_NUMBERS_BANNER + text if "notice" in document else text
