"""Throughput and memory of `grade batch`, against the floor of merely reading and parsing the files.

    python benchmarks/batch_throughput.py 10000 --jobs 2

Generates N varied submissions (right, wrong, partial, malformed) from the rubric's own key with a
seeded RNG into a temporary folder, then, in one run:
  1. the floor: read every file and parse it with yaml.CSafeLoader, in this one process;
  2. `grade batch --no-reports`, and 3. `grade batch` with reports, both by calling the library
     (`grader.batch.run_batch`) in this process, so the workers are this process's children;
and prints submissions per second, the ratios to the floor, and the peak memory (max RSS of this
process and of the largest child, from resource.getrusage). Targets with N = 10,000 on 2 cores:
without reports within 3x the floor; with reports at least 1,000 submissions/s at --jobs 2; peak
memory under 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.batch import BatchOptions, run_batch  # noqa: E402
from grader.key import answer_key  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402

RUBRIC = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"
SEED = 20240611
KINDS = (("right", 0.35), ("wrong", 0.35), ("partial", 0.25), ("malformed", 0.05))
MALFORMED = [
    "assignment: hw-lstm-vae-gan\nstudent: {id: s1\nanswers: [\n",
    "- a list, not a mapping\n",
    "assignment: hw-lstm-vae-gan\nstudent: {name: No Id}\nanswers: {}\n",
    "assignment: hw-lstm-vae-gan\nstudent: {id: sx}\nanswers:\n  p3: {b: {h1: 1}}\n  p3: {b: {h2: 2}}\n",
]
PHRASES = ["I think", "Because", "In short,", "As shown in class,", "We can see that"]


def numeric_text(value: float, rng: random.Random) -> Any:
    """A number the ways students write it."""
    form = rng.random()
    if form < 0.6:
        return round(value, 4)
    if form < 0.75:
        return f"{value:.4f}".replace("-", "−")
    if form < 0.85:
        return f"≈ {value:.5f}"
    if form < 0.95 and value > 0:
        return f"{100 * value:.2f}%" if value < 1 else round(value, 3)
    return f"{value:.3e}"


def answer_for(qid: str, entry: dict[str, Any], kind: str, rng: random.Random, slips: dict[str, list[float]]) -> Any:
    """One answer to one question: right, a known mistake, a common slip, or missing."""
    if kind == "partial" and rng.random() < 0.3:
        return None
    wrong = kind == "wrong" and rng.random() < 0.4 or kind == "partial" and rng.random() < 0.15
    kind_of = entry["type"]
    if kind_of == "text":
        concepts = [concept["name"] for concept in entry["concepts"]]
        chosen = rng.sample(concepts, k=rng.randint(0 if wrong else 1, len(concepts)))
        return f"{rng.choice(PHRASES)} " + ("; ".join(chosen) if chosen else "it just works that way") + "."
    if kind_of == "numeric":
        value = float(entry["answer"])
        if wrong:
            mistakes = list(entry.get("mistakes", {}).values())
            if mistakes and rng.random() < 0.5:
                value = float(rng.choice(mistakes))
            else:
                value = rng.choice(slips[qid])  # a few slips per question, as in a real class
        return numeric_text(value, rng)
    if kind_of == "true_false":
        return (not entry["answer"]) if wrong else rng.choice([entry["answer"], str(entry["answer"]).lower()])
    if kind_of == "choice":
        return rng.choice(["0", "1", "saturating", "non-saturating"]) if wrong else entry["shown"]
    if kind_of == "shape":
        return rng.choice(["2x1", "1x2"]) if wrong else rng.choice(["1x1", "1", "scalar", "(1, 1)"])
    if kind_of == "expression":
        mistakes = list(entry.get("mistakes", {}).values())
        return str(rng.choice(mistakes)) if wrong and mistakes else entry.get("shown", entry["answer"])
    return entry.get("shown")


def generate(folder: Path, count: int, seed: int = SEED) -> dict[str, int]:
    """Write `count` submissions into `folder`; returns how many of each kind."""
    rubric = load_rubric(RUBRIC)
    key = answer_key(rubric)["answers"]
    rng = random.Random(seed)
    slips = {qid: [float(entry["answer"]) * rng.choice([-1, 0.5, 2, 10, 1.2]) + rng.uniform(-0.3, 0.3)
                   for _ in range(6)] for qid, entry in key.items() if entry["type"] == "numeric"}
    kinds, weights = zip(*KINDS)
    made = dict.fromkeys(kinds, 0)
    for number in range(count):
        kind = rng.choices(kinds, weights)[0]
        made[kind] += 1
        path = folder / f"section-{number % 20:02d}" / f"s{number:06d}.yaml"
        path.parent.mkdir(exist_ok=True)
        if kind == "malformed":
            path.write_text(rng.choice(MALFORMED), encoding="utf-8")
            continue
        answers = {qid: answer_for(qid, entry, kind, rng, slips) for qid, entry in key.items()}
        document = {"assignment": rubric.id,
                    "student": {"id": f"s{number:06d}", "name": f"Student {number}", "email": f"s{number}@example.edu"},
                    "answers": {qid: value for qid, value in answers.items() if value is not None}}
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return made


def floor(files: list[Path]) -> float:
    """Seconds to read and parse every file, one process (the least any grader must do)."""
    start = time.perf_counter()
    for path in files:
        try:
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            pass
    return time.perf_counter() - start


def cpu() -> tuple[float, float, float, float]:
    """(user, system) CPU seconds of this process, then of its finished children (the workers)."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime, own.ru_stime, workers.ru_utime, workers.ru_stime


def timed_batch(folder: Path, out: Path, jobs: int, reports: bool) -> tuple[float, Any, list[float]]:
    os.sync()  # start from a quiet disk: the previous phase's writeback is not this phase's cost
    before = cpu()
    start = time.perf_counter()
    outcome = run_batch(BatchOptions(folder=folder, rubric=RUBRIC, out=out, jobs=jobs, reports=reports, quiet=True))
    seconds = time.perf_counter() - start
    return seconds, outcome, [after - first for after, first in zip(cpu(), before)]


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="submissions to generate, e.g. 10000")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as temporary:
        root = Path(temporary)
        folder = root / "submissions"
        folder.mkdir()
        made = generate(folder, args.count, args.seed)
        files = sorted(folder.rglob("*.yaml"))
        print(f"{args.count:,} submissions ({', '.join(f'{n:,} {kind}' for kind, n in made.items())}), "
              f"--jobs {args.jobs}, in-process library calls")
        os.sync()
        floor_seconds = floor(files)
        plain_seconds, outcome, plain_cpu = timed_batch(folder, root / "out-plain", args.jobs, reports=False)
        full_seconds, _, full_cpu = timed_batch(folder, root / "out-full", args.jobs, reports=True)
        rows = [("floor: read + CSafeLoader, 1 process", floor_seconds, None),
                ("grade batch --no-reports", plain_seconds, plain_cpu),
                ("grade batch (with reports)", full_seconds, full_cpu)]
        for label, seconds, used in rows:
            print(f"  {label:40s} {seconds:7.2f} s  {args.count / seconds:8,.0f} submissions/s  "
                  f"{seconds / floor_seconds:5.2f}x the floor")
            if used:
                print(f"  {'':40s} CPU s: parent user {used[0]:.1f} sys {used[1]:.1f}, "
                      f"workers user {used[2]:.1f} sys {used[3]:.1f}")
        print(f"  graded {outcome.graded:,}, problems {outcome.problems:,}, answers to review {outcome.needs_review:,}")
        print(f"  peak memory: this process {peak_mb(resource.RUSAGE_SELF):.0f} MB, "
              f"largest worker {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB")
        verdicts = [("without reports within 3x the floor", plain_seconds <= 3 * floor_seconds),
                    ("with reports >= 1,000 submissions/s", args.count / full_seconds >= 1000),
                    ("peak memory < 300 MB", max(peak_mb(resource.RUSAGE_SELF), peak_mb(resource.RUSAGE_CHILDREN)) < 300)]
        for label, ok in verdicts:
            print(f"  {'ok  ' if ok else 'MISS'} {label}")


if __name__ == "__main__":
    main()
