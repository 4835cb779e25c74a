"""grader.safe_yaml builds a checked document itself (faster than PyYAML's constructor), and builds it the same."""

from __future__ import annotations

import pytest

from grader.errors import SubmissionError
from grader.safe_yaml import _Loader, load_yaml_bytes


def by_pyyaml(text: str):
    loader = _Loader(text)
    try:
        return loader.construct_document(loader.get_single_node())
    finally:
        loader.dispose()


@pytest.mark.parametrize("text", [
    # text, null and booleans, built by safe_yaml itself
    "a: text\nb: 'quoted'\nc: \"double\"\nd: ~\ne: null\nf:\ng: yes\nh: No\ni: TRUE\nj: off\n",
    # numbers, dates and values kept as text, built by the loader's constructors
    "a: 1\nb: -2.5\nc: .inf\nd: 0x1F\ne: 1:30\nf: 1_000\ng: 2001-01-02\nh: 2001-13-45\ni: 1.0e+400\n",
    "big: 1" + "0" * 1200 + "\n",
    # nesting, lists, keys that are not text, equal keys of different types (the last one wins, as in PyYAML)
    "answers:\n  p1: [1, [2, 3], {a: b}]\n  p2: {x: [], y: {}}\n1: one\n1.0: float one\ntrue: t\n~: n\n",
    # a merge key: PyYAML's own rules
    "base: &b {a: 1, b: 2}\nderived:\n  <<: *b\n  b: 3\n",
    "- [1, 2]\n- text\n- {k: v}\n",
    "just text\n",
])
def test_a_document_is_built_as_pyyaml_builds_it(text: str) -> None:
    built = load_yaml_bytes(text.encode("utf-8"), "test.yaml", SubmissionError)
    expected = by_pyyaml(text)
    assert built == expected
    assert repr(built) == repr(expected)  # types too: 1 and 1.0, True and 1, a date and its text


def test_an_alias_is_the_same_object_as_its_anchor() -> None:
    built = load_yaml_bytes(b"a: &x {k: [1]}\nb: *x\nc: &y [2]\nd: *y\n", "test.yaml", SubmissionError)
    assert built["a"] is built["b"] and built["c"] is built["d"]


def test_a_refused_tag_still_stops_before_anything_is_built() -> None:
    with pytest.raises(SubmissionError, match="the YAML tag `!!python/object:os.system` is not allowed"):
        load_yaml_bytes(b"a: !!python/object:os.system {}\n", "test.yaml", SubmissionError)
