"""Read YAML that someone else wrote, safely.

Submissions (and rubrics, and override files) go through `load_yaml_file`: a size cap before
parsing, strict UTF-8, only plain YAML types (no tags such as `!!python/object`), no key given
twice, a bound on nesting and on how far aliases may expand (the "billion laughs"), and errors
that name the file, the line and the column. Uses libyaml's C parser when it is installed.

Values never raise while they are built: a number too long or too large to be a value (`1` and
5000 zeros, `1.0e+400`) and a date that does not exist (`2001-13-45`) are kept as the text that was
written, so each reader refuses or marks it `invalid` with a message instead of a traceback
(Python's int() stops at 4300 digits; a float past 1.8e308 is inf). `.inf` and `.nan`, written as
such, stay floats: whoever reads a number checks that it is finite (grader.numbers).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from grader.errors import GraderError
from grader.files.safe_files import read_regular_file, shown

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BLANK_FILE_HINT = "start from the blank file that `grade template RUBRIC` prints"  # the course service words its own
MAX_BYTES = 1024 * 1024  # 1 MiB: a homework answer file is a few KiB; more is a mistake or an attack
MAX_DEPTH = 32  # submit.yaml nests 4 or 5 levels; deeper input is not an answer sheet
MAX_NODES = 20_000  # counted with aliases expanded: stops "billion laughs" long before it hurts
MAX_NUMBER_CHARS = 1000  # past the float range at 309 digits, and far below Python's 4300-digit int limit

_YAML_TAG = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(_YAML_TAG + name for name in
                         ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge"))


def _integer_or_text(loader: SafeConstructor, node: yaml.ScalarNode) -> Any:
    if len(node.value) > MAX_NUMBER_CHARS:
        return node.value
    return SafeConstructor.construct_yaml_int(loader, node)


def _float_or_text(loader: SafeConstructor, node: yaml.ScalarNode) -> Any:
    value = SafeConstructor.construct_yaml_float(loader, node)
    if math.isinf(value) and ".inf" not in node.value.lower():
        return node.value  # overflowed: `1.0e+400` is kept as written, not turned into inf
    return value


def _timestamp_or_text(loader: SafeConstructor, node: yaml.ScalarNode) -> Any:
    try:
        return SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return node.value  # `2001-13-45` looks like a date but is none


class _Loader(LOADER):  # type: ignore[misc, valid-type]
    """LOADER whose number and date constructors keep unusable values as text (see the module doc)."""


_Loader.add_constructor(_YAML_TAG + "int", _integer_or_text)
_Loader.add_constructor(_YAML_TAG + "float", _float_or_text)
_Loader.add_constructor(_YAML_TAG + "timestamp", _timestamp_or_text)


def load_yaml_file(path: str | Path, error: type[GraderError] = GraderError, *,
                   max_bytes: int = MAX_BYTES, max_nodes: int = MAX_NODES) -> Any:
    """Parse the YAML file at `path`, raising `error` with a helpful message when it is unsafe or broken."""
    return load_yaml_bytes(_read(path, error, max_bytes), shown(path), error, max_nodes=max_nodes)


def load_yaml_entries(path: str | Path, error: type[GraderError] = GraderError, *,
                      max_bytes: int = MAX_BYTES, max_nodes: int = MAX_NODES) -> list[tuple[Any, int]]:
    """The items of a YAML list file, each with the line it starts on (for messages about entries)."""
    name = shown(path)
    return _parse(_read(path, error, max_bytes), name, error, max_nodes, entries=True)


def load_yaml_bytes(data: bytes, name: str, error: type[GraderError] = GraderError, *,
                    max_nodes: int = MAX_NODES) -> Any:
    """Parse YAML from bytes that came from `name` (used in messages)."""
    return _parse(data, name, error, max_nodes, entries=False)


def _read(path: str | Path, error: type[GraderError], max_bytes: int) -> bytes:
    name = shown(path)
    data = read_regular_file(path, error, max_bytes=max_bytes, name=name)  # regular files only, never blocks
    if len(data) > max_bytes:
        raise error(f"the file is larger than {max_bytes // 1024} KiB", path=name,
                    hint="an answer file is a few KiB of text; remove pasted data or images")
    return data


def _parse(data: bytes, name: str, error: type[GraderError], max_nodes: int, *, entries: bool,
           marks: dict[tuple[Any, ...], tuple[int, int]] | None = None) -> Any:
    text = _decode(data, name, error)
    if not text.strip():
        if entries:
            return []
        raise error("the file is empty", path=name, hint=BLANK_FILE_HINT)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            if entries:
                return []
            raise error("the file holds only comments", path=name,
                        hint=BLANK_FILE_HINT)
        if entries and not isinstance(node, yaml.SequenceNode):
            raise error("expected a list of entries (`- student: ...`), like review.yaml", path=name,
                        where=_where(node.start_mark))
        _check_tree(node, name, error, max_nodes)
        if marks is not None:
            marks.update(node_marks(node))
        document = _construct(loader, node)
        if entries:
            return [(item, child.start_mark.line + 1) for item, child in zip(document, node.value)]
        return document
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "this is not valid YAML"
        if "nesting depth" in problem:
            problem = "the brackets nest too deeply"
        raise error(f"not valid YAML: {problem}", path=name, where=_where(mark),
                    hint="check the indentation and quoting near that line; quote text that holds ': ' or '#'") from None
    except yaml.YAMLError as exc:
        raise error(f"not valid YAML: {exc}", path=name) from None
    finally:
        loader.dispose()


def _decode(data: bytes, name: str, error: type[GraderError]) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error("the file is not UTF-8 text", path=name, where=f"line {line}, column {column}",
                    hint="save the file as UTF-8 (most editors: 'Save with encoding' -> UTF-8)") from None


def _where(mark: Any) -> str | None:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None


def _check_tree(root: yaml.Node, name: str, error: type[GraderError], max_nodes: int) -> None:
    """Walk the composed node graph once, aliases expanded, within `max_nodes` and MAX_DEPTH."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    visited = 0
    while stack:
        node, depth = stack.pop()
        visited += 1
        if visited > max_nodes:
            if _has_aliases(root):
                raise error(f"the file expands to more than {max_nodes:,} values (through anchors and aliases)",
                            path=name, hint="write each answer out; anchors (&) and aliases (*) are not needed")
            raise error(f"the file has more than {max_nodes:,} values", path=name,
                        hint="an answer file holds a few hundred values; remove pasted data or split the file")
        if depth > MAX_DEPTH:
            raise error(f"the data nests more than {MAX_DEPTH} levels deep", path=name,
                        where=_where(node.start_mark), hint="an answer file nests a few levels at most")
        if node.tag not in ALLOWED_TAGS:
            raise error(f"the YAML tag `{node.tag.replace(_YAML_TAG, '!!')}` is not allowed", path=name,
                        where=_where(node.start_mark),
                        hint="remove the tag and write a plain value (text, number, true/false, list or mapping)")
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise error("a key must be plain text, not a list or a mapping", path=name,
                                where=_where(key_node.start_mark))
                if key_node.tag not in ALLOWED_TAGS:
                    raise error(f"the YAML tag `{key_node.tag.replace(_YAML_TAG, '!!')}` is not allowed",
                                path=name, where=_where(key_node.start_mark),
                                hint="remove the tag and write a plain key")
                marker = (key_node.tag, key_node.value)  # `a` and `"a"` are one key; so are `1` and `1`
                if key_node.tag != _YAML_TAG + "merge" and marker in seen:
                    first = seen[marker].start_mark.line + 1
                    raise error(f"the key `{key_node.value}` is given twice (first on line {first})", path=name,
                                where=_where(key_node.start_mark),
                                hint="keep one of the two; the grader will not guess which one you meant")
                seen[marker] = key_node
                stack.append((value_node, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)


def _has_aliases(root: yaml.Node) -> bool:
    """Whether a node is reached twice: an alias (`*a`) names its anchor's node again. Asked only once the
    limit is passed, so files within it pay nothing for the better message."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(value for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


_STR, _NULL, _BOOL, _MAP, _SEQ, _MERGE = (_YAML_TAG + name for name in ("str", "null", "bool", "map", "seq", "merge"))


def _construct(loader: Any, root: yaml.Node) -> Any:
    """The document of a tree `_check_tree` accepted, as `loader.construct_document` builds it, faster:
    text, null, booleans, lists and mappings are built here (most of a submission), every other value by
    the loader's own constructors; a tree with a merge key (`<<`) is left to the loader whole."""
    built: dict[int, Any] = {}  # an alias is the same object, as PyYAML makes it

    def build(node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        known = built.get(id(node))
        if known is not None:
            return known
        if tag == _MAP:
            mapping: dict[Any, Any] = {}
            built[id(node)] = mapping
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    raise _MergeKey
                mapping[build(key_node)] = build(value_node)
            return mapping
        if tag == _SEQ:
            items: list[Any] = []
            built[id(node)] = items
            items.extend(build(child) for child in node.value)
            return items
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return SafeConstructor.bool_values[node.value.lower()]
        return loader.construct_object(node, deep=True)

    try:
        return build(root)
    except _MergeKey:
        return loader.construct_document(root)


class _MergeKey(Exception):
    """A merge key (`<<`): PyYAML's flattening rules apply, so the loader builds the document."""


# --- Where each value sits (for messages about a rubric's entries) -------------------------------

Marks = dict[tuple[Any, ...], tuple[int, int]]


def load_yaml_file_with_marks(path: str | Path, error: type[GraderError] = GraderError, *,
                              max_bytes: int = MAX_BYTES, max_nodes: int = MAX_NODES) -> tuple[Any, Marks]:
    """`load_yaml_file`, and the 1-based (line, column) of every entry by its path of keys and
    list indexes (`("questions", 3, "tolerance")`), so messages can point into the file."""
    marks: Marks = {}
    document = _parse(_read(path, error, max_bytes), shown(path), error, max_nodes, entries=False, marks=marks)
    return document, marks


def node_marks(root: yaml.Node) -> Marks:
    """(line, column) of each mapping entry (where its key starts) and each list item; () is the top."""
    marks: Marks = {(): (root.start_mark.line + 1, root.start_mark.column + 1)}
    stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = path + (key_node.value,)
                marks.setdefault(child, (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                stack.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = path + (index,)
                marks.setdefault(child, (item.start_mark.line + 1, item.start_mark.column + 1))
                stack.append((item, child))
    return marks
