"""The size limit's message says what the file really holds (issue 21, item 8): anchors and aliases only
when the file has aliases; a plain file that is simply too big is told so."""

from __future__ import annotations

import pytest

from grader.errors import GraderError
from grader.safe_yaml import MAX_NODES, load_yaml_bytes

PLAIN_KEYS = "".join(f"k{number:05d}: {number}\n" for number in range(40_000))
PLAIN_LIST = "items: [" + ", ".join(["1"] * 25_000) + "]\n"
NESTED = "answers:\n" + "".join(f"  q{number}: {{a: 1, b: [1, 2, 3]}}\n" for number in range(6_000))
LAUGHS = ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
          "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n")
ANCHOR_ONLY = "shared: &s {a: 1}\n" + PLAIN_KEYS  # an anchor that no alias uses expands nothing


@pytest.mark.parametrize(("text", "expected", "not_expected"), [
    (PLAIN_KEYS, f"the file has more than {MAX_NODES:,} values", "anchors"),
    (PLAIN_LIST, f"the file has more than {MAX_NODES:,} values", "anchors"),
    (NESTED, f"the file has more than {MAX_NODES:,} values", "aliases"),
    (ANCHOR_ONLY, f"the file has more than {MAX_NODES:,} values", "aliases"),
    (LAUGHS, f"the file expands to more than {MAX_NODES:,} values (through anchors and aliases)", "has more"),
])
def test_the_size_limit_names_its_cause(text, expected, not_expected):
    with pytest.raises(GraderError) as caught:
        load_yaml_bytes(text.encode(), "submit.yaml")
    message = str(caught.value)
    assert expected in message and not_expected not in message, message


def test_a_file_just_under_the_limit_loads():
    text = "".join(f"k{number:05d}: {number}\n" for number in range(MAX_NODES - 1))
    assert len(load_yaml_bytes(text.encode(), "submit.yaml")) == MAX_NODES - 1
