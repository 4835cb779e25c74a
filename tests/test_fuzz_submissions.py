"""Fuzz `grade FILE`: a few thousand seeded mutations of the example submissions, none may crash it.

The mutations and checks live in benchmarks/fuzz_submissions.py, which runs as many as you like
(`python benchmarks/fuzz_submissions.py --count 100000 --seed 7`). Here a fixed seed keeps the
suite deterministic and the count keeps it near 10 s on a slow machine.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FUZZ_SEED = 20_260_901
FUZZ_COUNT = 2_500  # about 10 s here; ~30% are graded, the rest refused with a message


def _load_fuzzer():
    spec = importlib.util.spec_from_file_location("fuzz_submissions", ROOT / "benchmarks" / "fuzz_submissions.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fuzz_submissions", module)
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzzer()


def test_mutated_submissions_never_crash_the_grader():
    findings, graded = fuzz.run(FUZZ_SEED, FUZZ_COUNT, cli_every=10)
    report = "\n\n".join(f"input {f.number}: {f.what.strip()}\n{f.text[:300]!r}" for f in findings[:5])
    assert not findings, f"{len(findings)} of {FUZZ_COUNT} inputs broke the grader:\n\n{report}"
    assert graded > FUZZ_COUNT // 5, "most inputs were refused: the mutations no longer reach grading"


def test_the_inputs_are_the_same_for_the_same_seed():
    first = [data for _, data, _ in fuzz.inputs(5, 50)]
    assert first == [data for _, data, _ in fuzz.inputs(5, 50)]
    assert first != [data for _, data, _ in fuzz.inputs(6, 50)]


@pytest.mark.parametrize("kind", fuzz.MUTATIONS)
def test_every_mutation_changes_the_file(kind, monkeypatch):
    monkeypatch.setattr(fuzz, "MUTATION_WEIGHTS", tuple(int(name == kind) for name in fuzz.MUTATIONS))
    data, _ = fuzz.originals()[0]
    rng = random.Random(3)
    assert any(fuzz.mutate(data, rng) != data for _ in range(5))


def test_a_crash_is_reported(tmp_path, monkeypatch):
    """The fuzzer itself can fail: a grader that raises is a finding, with the exception's name."""
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(fuzz, "grade_file", broken)
    data, rubric = fuzz.originals()[0]
    problem, _ = fuzz.check(tmp_path / "submit.yaml", data, rubric, through_cli=False)
    assert problem is not None and "ZeroDivisionError: boom" in problem
