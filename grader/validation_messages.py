"""Turn pydantic's validation errors into messages that name the YAML place (line, column, path)
and say what to write instead, never pydantic's own wording."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from grader.errors import did_you_mean

MAX_LISTED = 8  # more errors than this are summarised: the first ones usually explain the rest
MAX_SHOWN = 40  # characters of a wrong value quoted back

# What each pydantic type error expected, in words (a union lists several of them).
EXPECTED = {
    "bool_type": "true or false", "bool_parsing": "true or false",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "string_type": "text", "dict_type": "a mapping (`key: value`)", "list_type": "a list",
    "model_type": "a mapping (`key: value`)", "model_attributes_type": "a mapping (`key: value`)",
    "none_required": "nothing (null)",
}
BOUNDS = {"greater_than": ("gt", "greater than"), "greater_than_equal": ("ge", "at least"),
          "less_than": ("lt", "less than"), "less_than_equal": ("le", "at most")}
PATTERNS = {  # id patterns, explained
    r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$": "letters, digits and `_`, in parts joined by dots, like `p3.b.h1`",
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$": "letters, digits, `.`, `_` and `-` (at most 64), like `hw-lstm-vae-gan`",
}
_BUILTIN_TAGS = ("bool", "float", "int", "str", "list", "dict", "none", "function-", "constrained-", "lax-", "json-")


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


def describe_validation_error(exc: ValidationError, data: Any,
                              marks: dict[tuple[Any, ...], tuple[int, int]] | None = None) -> str:
    """One line per problem: `line 7, column 7: questions[3] (p3.b.h1).tolerance: unknown key `rell`
    (did you mean `rel`?)`. A union's alternatives are merged into one line ("expected true or
    false, or {ref: NAME}")."""
    groups: dict[tuple[Any, ...], list[tuple[dict[str, Any], tuple[Any, ...]]]] = {}
    places: dict[tuple[Any, ...], str] = {}
    for error in exc.errors(include_url=False):
        place, path, member_path = _place(error["loc"], data)
        groups.setdefault(path, []).append((error, member_path))
        places[path] = place
    lines = []
    for path, errors in groups.items():
        message = _message(places[path], path, errors)
        if message is not None:
            lines.append(_at(message, path, marks or {}))
    if not lines:  # every error was a union alternative shadowed by a deeper one: say the first
        lines = [str(exc.errors(include_url=False)[0]["msg"])]
    shown = lines[:MAX_LISTED]
    if len(lines) > MAX_LISTED:
        shown.append(f"... and {len(lines) - MAX_LISTED} more")
    return "the file does not follow the format:\n  " + "\n  ".join(shown)


def _at(message: str, path: tuple[Any, ...], marks: dict[tuple[Any, ...], tuple[int, int]]) -> str:
    for length in range(len(path), 0, -1):
        if path[:length] in marks:
            line, column = marks[path[:length]]
            return f"line {line}, column {column}: {message}"
    return message


def _message(place: str, path: tuple[Any, ...], errors: list[tuple[dict[str, Any], tuple[Any, ...]]]) -> str | None:
    """One message for all errors at one place of the file."""
    first = errors[0][0]
    kind = first["type"]
    where = f"{place}: " if place else ""
    if kind == "extra_forbidden":
        key = str(path[-1])
        parent = ".".join(place.split(".")[:-1]) or "top level"
        return f"{parent}: unknown key `{key}`{did_you_mean(key, known_field_names())}"
    if kind == "missing":
        return f"{where}this key is required"
    if kind == "union_tag_invalid":
        ctx = first.get("ctx", {})
        return f"{where}unknown question type `{ctx.get('tag')}`; the types are {ctx.get('expected_tags', '')}"
    if kind == "union_tag_not_found":
        return f"{where}this question needs a `type:` (true_false, choice, numeric, shape, expression or text)"
    expected = [EXPECTED[error["type"]] for error, _ in errors if error["type"] in EXPECTED]
    if expected:
        value = first.get("input")
        if isinstance(value, dict) and any(member for _, member in errors):
            return None  # a mapping: the alternative that takes mappings explains it at a deeper place
        if any(error["type"] == "model_type" and error.get("ctx", {}).get("class_name") == "Ref"
               for error, _ in errors):
            expected = [e for e in expected if not e.startswith("a mapping")] + ["`{ref: NAME}` (a solver value)"]
        choices = list(dict.fromkeys(expected))
        wanted = choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + ", or " + choices[-1]
        text = f"{where}expected {wanted}, got {_shown(value)}"
        if isinstance(value, str) and value.strip().lower() in ("true", "false") and "true or false" in wanted:
            text += f"; write {value.strip().lower()} without quotes"
        elif isinstance(value, str) and "a number" in wanted and _is_number(value):
            text += "; write the number without quotes"
        return text
    if kind in BOUNDS:
        name, words = BOUNDS[kind]
        limit = first.get("ctx", {}).get(name)
        shown_limit = f"{limit:g}" if isinstance(limit, float) else limit
        return f"{where}must be {words} {shown_limit}, got {_shown(first.get('input'))}"
    if kind in ("too_short", "too_long"):
        ctx = first.get("ctx", {})
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        what = "at least" if kind == "too_short" else "at most"
        return f"{where}needs {what} {limit} item{'s' if limit != 1 else ''}"
    if kind == "string_pattern_mismatch":
        pattern = first.get("ctx", {}).get("pattern", "")
        rule = PATTERNS.get(pattern, f"text matching {pattern}")
        return f"{where}`{first.get('input')}` is not allowed here; use {rule}"
    if kind == "literal_error":
        return f"{where}expected {first.get('ctx', {}).get('expected')}, got {_shown(first.get('input'))}"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}{message}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"
        return f'the text "{text}"'
    return f"`{value}`"


def _is_member_tag(item: Any, node: Any) -> bool:
    """A union alternative's name in pydantic's error location (`Ref`, `bool`, `list[float]`), not a key."""
    if not isinstance(item, str):
        return False
    if isinstance(node, dict) and item in node:
        return False
    return item[:1].isupper() or item.startswith(_BUILTIN_TAGS) or "[" in item


def _place(loc: tuple[Any, ...], data: Any) -> tuple[str, tuple[Any, ...], tuple[Any, ...]]:
    """(`questions[3] (p3.b.h1).tolerance`, the path of keys in the file, the union members passed)."""
    parts: list[str] = []
    path: list[Any] = []
    members: list[Any] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
            path.append(item)
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                parts[-1] += f" ({node['id']})"
            continue
        if isinstance(node, dict) and item not in node and node.get("type") == item:
            continue  # pydantic's discriminator tag, not a key of the file
        if _is_member_tag(item, node):
            members.append(item)
            continue
        parts.append(str(item))
        path.append(item)
        node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts), tuple(path), tuple(members)
