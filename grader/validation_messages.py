"""Turn pydantic's validation errors into messages that name the YAML place and the fix."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from grader.errors import did_you_mean

MAX_LISTED = 8  # more errors than this are summarised: the first ones usually explain the rest


def known_field_names() -> set[str]:
    """Every field name of every model, for "did you mean" on unknown keys."""
    names: set[str] = set()
    pending: list[type[BaseModel]] = [BaseModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__.startswith("grader."):
                names.update(sub.model_fields)
            pending.append(sub)
    return names


def describe_validation_error(exc: ValidationError, data: Any) -> str:
    """One line per problem: `questions[3] (p3.b.h1).tolerance: unknown key `rell` (did you mean `rel`?)`."""
    lines = []
    errors = exc.errors(include_url=False)
    for error in errors[:MAX_LISTED]:
        place, node = _place(error["loc"], data)
        if error["type"] == "extra_forbidden":
            key = str(error["loc"][-1])
            parent = place.rsplit(".", 1)[0] if "." in place else "top level"
            lines.append(f"{parent}: unknown key `{key}`{did_you_mean(key, known_field_names())}")
        elif error["type"] == "missing":
            lines.append(f"{place}: this key is required")
        elif error["type"] == "union_tag_invalid":
            expected = error.get("ctx", {}).get("expected_tags", "")
            lines.append(f"{place}: unknown question type `{error.get('ctx', {}).get('tag')}`; "
                         f"the types are {expected}")
        else:
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{place}: {message}" if place else message)
    if len(errors) > MAX_LISTED:
        lines.append(f"... and {len(errors) - MAX_LISTED} more")
    return "the file does not follow the format:\n  " + "\n  ".join(lines)


def _place(loc: tuple[Any, ...], data: Any) -> tuple[str, Any]:
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                parts[-1] += f" ({node['id']})"
            continue
        if isinstance(node, dict) and item not in node and node.get("type") == item:
            continue  # pydantic's discriminator tag, not a key of the file
        parts.append(str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts), node
