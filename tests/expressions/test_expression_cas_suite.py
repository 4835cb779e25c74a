"""The equivalence engine against a computer-algebra system's own test suite.

cas_equivalences.yaml holds the rows of SymPy's simplify and trigsimp tests whose two sides are
real-valued formulas (sources and commit at its top): our engine must call each pair SymPy
asserts equal equivalent, and each pair it asserts different not. The rows are data; nothing
here special-cases one of them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from grader.expressions import Domain, compare, parse

FIXTURE = Path(__file__).with_name("cas_equivalences.yaml")
DATA = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
ROWS = DATA["rows"]
DEFAULT_DOMAIN = (-3.0, 3.0)
# Single-letter symbols of the rows; `e` is Euler's number unless a row's `vars` declares it.
_SYMBOL = re.compile(r"(?<![A-Za-z0-9.])([abcdtwxyznpqk])(?![A-Za-z])")


def domains_of(row: dict) -> dict[str, Domain]:
    declared = row.get("vars")
    if declared is None:
        names = sorted(set(_SYMBOL.findall(row["a"] + " " + row["b"])))
        return {name: Domain(*DEFAULT_DOMAIN) for name in names}
    return {name: Domain(spec[0], spec[1], integer=len(spec) > 2 and spec[2] == "int")
            for name, spec in declared.items()}


def verdict(a: str, b: str, domains: dict[str, Domain]) -> bool:
    names = list(domains)
    return compare(parse(a, names), parse(b, names), domains).equivalent


def row_id(row: dict) -> str:
    return f"{row['from'].split(' (')[0]}: {row['a'][:40]} = {row['b'][:30]}"


@pytest.mark.parametrize("row", ROWS, ids=[row_id(row) for row in ROWS])
def test_the_cas_rows(row: dict) -> None:
    assert verdict(row["a"], row["b"], domains_of(row)) is row.get("equal", True)


@pytest.mark.parametrize("row", [row for row in ROWS if row.get("equal", True)],
                         ids=[row_id(row) for row in ROWS if row.get("equal", True)])
def test_a_changed_side_is_no_longer_equivalent(row: dict) -> None:
    # Our own check beside the CAS's: were the engine lenient, it would accept these too.
    changed = f"({row['b']})*(1 + 1/1000) + 1/100"  # (only b = -10 would cancel)
    assert not verdict(row["a"], changed, domains_of(row))


def test_the_fixture_is_a_meaningful_set() -> None:
    assert len(ROWS) >= 200
    assert {row["from"].split()[0] for row in ROWS} == {"trigsimp", "simplify"}
    assert any(row.get("equal") is False for row in ROWS)
    assert all(entry["why"] for entry in DATA["excluded"])
    assert "006979b8c316cdf357416532d2a9ae603ae57f6f" in FIXTURE.read_text(encoding="utf-8")
