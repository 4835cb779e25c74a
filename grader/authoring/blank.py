"""`grade template`: a blank submit.yaml with every question id, nested as students write it."""

from __future__ import annotations

import json
from typing import Any

from grader.results import StudentInfo
from grader.rubric import LoadedRubric

CHECK_LOCALLY = "grade submit.yaml"


def blank_submission(rubric: LoadedRubric, *, student: StudentInfo | None = None,
                     check_with: str = f"then check them with: {CHECK_LOCALLY}") -> str:
    """YAML text with every question as an empty answer and a comment saying what it wants; the student's
    id, name and email filled in when given (the course service knows them)."""
    who = student or StudentInfo(id="", name="", email="")
    tree: dict[str, Any] = {}
    for qid in rubric.questions:
        node = tree
        parts = qid.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(parts[-1], {})
    lines = [
        f"# {rubric.rubric.title}",
        f"# Fill in your answers, {check_with}",
        "# Numbers may be written as 0.25, -0.5, 1/4, 2.5e-1 or 25%.",
        f"assignment: {rubric.id}",
        f"student: {{id: {json.dumps(who.id)}, name: {json.dumps(who.name or '', ensure_ascii=False)}, "
        f"email: {json.dumps(who.email or '', ensure_ascii=False)}}}",
        "answers:",
    ]
    _write(tree, [], rubric, lines, indent=1)
    return "\n".join(lines) + "\n"


def _write(node: dict[str, Any], prefix: list[str], rubric: LoadedRubric, lines: list[str], indent: int) -> None:
    pad = "  " * indent
    for name, children in node.items():
        qid = ".".join(prefix + [name])
        question = rubric.questions.get(qid)
        if question is not None and not children:
            lines.append(f"{pad}{_key(name)}:  {_comment(rubric, qid)}")
        elif question is not None:
            lines.append(f"{pad}{_key(name)}:")
            lines.append(f"{pad}  answer:  {_comment(rubric, qid)}")
            _write(children, prefix + [name], rubric, lines, indent + 1)
        else:
            lines.append(f"{pad}{_key(name)}:")
            _write(children, prefix + [name], rubric, lines, indent + 1)


def _comment(rubric: LoadedRubric, qid: str) -> str:
    question = rubric.questions[qid]
    title = f"{question.title} — " if question.title else ""
    hint = question.hint_for(rubric.answer_keys()[qid].answer)  # a vector key asks for a vector
    return f"# {title}{hint} ({question.points:g} pt{'s' if question.points != 1 else ''})"


def _key(name: str) -> str:
    return name if name.replace("_", "").isalnum() and not name.isdigit() else json.dumps(name)
