"""Throughput and memory of `grade batch` and the time of a self-check, as ratios measured in one run.

    python benchmarks/batch_throughput.py 10000 --jobs 2 [--code /path/to/another/checkout]

Generates N varied submissions (right, wrong, partial, malformed) from the rubric's own key with a
seeded RNG into a temporary folder, then, in one run:
  1. the floor: read every file and parse it with yaml.CSafeLoader, in this one process (measured
     before and after the runs below; the smaller is the floor, both are printed);
  2. `grade batch --no-reports`, and 3. `grade batch` with reports, both by calling the library
     (`grader.batch.run_batch`) in this process, so the workers are this process's children;
  4. the rerun a TA makes after deciding some answers: `grade batch` with reports again, into the
     same output folder, with an override file deciding the free-text answers of one student in ten;
  5. the self-check: the median of `--self-check-runs` whole-process runs of
     `grade submissions/correct.yaml` (with compiled bytecode, as after `pip install`), beside the median
     of a bare `python -c pass` (the noise floor);
and prints seconds, submissions per second, the ratios (to the floor; the rerun to the first run),
CPU seconds of this process and of the workers, and the peak memory (max RSS of this process and of
the largest child, from resource.getrusage). Targets with N = 10,000 on 2 cores: without reports
within 3x the floor; with reports at least 1,000 submissions/s at --jobs 2; the rerun at most
0.6 of the first run (issue 19: what a quarter cost in code was not worth it); the self-check at most
0.3 s; peak memory under 300 MB.

`--code DIR` measures another checkout of the grader (say, the code before a change) on the same
generated files: DIR goes first on sys.path, and the self-check runs with PYTHONPATH=DIR.

The runs with reports write 19,000 files: on a shared virtual disk their time varied from 6.5 s to
14 s between two runs of the same code (the difference is the workers' system time). To compare
two checkouts, alternate them and run with TMPDIR=/dev/shm (the class and OUT in memory), which
measures the code and not the disk.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent


def _code_root(argv: list[str]) -> Path:
    """The checkout to measure: --code DIR, else this one (read before the grader is imported)."""
    for index, arg in enumerate(argv):
        if arg == "--code" and index + 1 < len(argv):
            return Path(argv[index + 1]).resolve()
        if arg.startswith("--code="):
            return Path(arg.split("=", 1)[1]).resolve()
    return REPO


CODE = _code_root(sys.argv)
sys.path.insert(0, str(CODE))

import grader.cli  # noqa: E402

if hasattr(grader.cli, "single_threaded_blas"):
    grader.cli.single_threaded_blas()  # as `grade` does before numpy is imported (a checkout that does not: as it is)

from grader.batch import BatchOptions, run_batch  # noqa: E402
try:
    from grader.authoring.key import answer_key  # noqa: E402
except ImportError:  # a checkout from before grader/authoring/ (--code)
    from grader.key import answer_key  # type: ignore[no-redef]  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402

RUBRIC = CODE / "rubrics" / "hw-lstm-vae-gan.yaml"
SELF_CHECK = "submissions/correct.yaml"  # graded from the checkout's folder, as a student would
DECIDED_EVERY = 10  # the rerun's override file decides the free-text answers of one student in ten
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


def options(folder: Path, out: Path, jobs: int, reports: bool, overrides: Path | None = None) -> BatchOptions:
    """BatchOptions for this checkout: `overrides` is a tuple of files now, a single file before."""
    extra: dict[str, Any] = {}
    if overrides is not None:
        kind = {field.name: field for field in dataclasses.fields(BatchOptions)}["overrides"].type
        extra["overrides"] = (overrides,) if "tuple" in str(kind) else overrides
    return BatchOptions(folder=folder, rubric=RUBRIC, out=out, jobs=jobs, reports=reports, quiet=True, **extra)


def timed_batch(settings: BatchOptions) -> tuple[float, Any, list[float]]:
    os.sync()  # start from a quiet disk: the previous phase's writeback is not this phase's cost
    before = cpu()
    start = time.perf_counter()
    outcome = run_batch(settings)
    seconds = time.perf_counter() - start
    return seconds, outcome, [after - first for after, first in zip(cpu(), before)]


def write_decisions(out: Path, path: Path) -> int:
    """An override file deciding every free-text answer of one graded student in ten; returns how many."""
    decisions = []
    with open(out / "results.jsonl", encoding="utf-8") as stream:
        for number, line in enumerate(stream):
            if number % DECIDED_EVERY:
                continue
            result = json.loads(line)
            decisions += [{"student": result["student"]["id"], "question": question["id"],
                           "score": question["max_score"], "comment": "Read and accepted."}
                          for question in result["questions"] if question["status"] == "needs_review"]
    path.write_text(yaml.safe_dump(decisions, sort_keys=False), encoding="utf-8")
    return len(decisions)


def whole_process(command: list[str], runs: int, bytecode: Path) -> float:
    """Median wall-clock seconds of `runs` runs of `command` from the checkout's folder, after one run that
    compiles the bytecode (into `bytecode`, as an installed package has it; the checkout stays clean)."""
    environment = dict(os.environ, PYTHONPATH=str(CODE), PYTHONPYCACHEPREFIX=str(bytecode))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(command, cwd=CODE, env=environment, check=True, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=CODE, env=environment, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="submissions to generate, e.g. 10000")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--code", default=str(REPO), help="the checkout of the grader to measure (default: this one)")
    parser.add_argument("--self-check-runs", type=int, default=15, help="whole-process runs of the self-check")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as temporary:
        root = Path(temporary)
        folder = root / "submissions"
        folder.mkdir()
        made = generate(folder, args.count, args.seed)
        files = sorted(folder.rglob("*.yaml"))
        print(f"{args.count:,} submissions ({', '.join(f'{n:,} {kind}' for kind, n in made.items())}), "
              f"--jobs {args.jobs}, in-process library calls, code: {CODE}")
        os.sync()
        floor_before = floor(files)
        plain_seconds, outcome, plain_cpu = timed_batch(options(folder, root / "out-plain", args.jobs, False))
        full_seconds, _, full_cpu = timed_batch(options(folder, root / "out", args.jobs, True))
        decided = write_decisions(root / "out", root / "decisions.yaml")
        rerun_seconds, rerun, rerun_cpu = timed_batch(options(folder, root / "out", args.jobs, True,
                                                              root / "decisions.yaml"))
        floor_after = floor(files)
        floor_seconds = min(floor_before, floor_after)
        interpreter = [sys.executable, "-c", "import sys; from grader.cli import main; sys.exit(main())"]
        self_check = whole_process([*interpreter, SELF_CHECK], args.self_check_runs, root / "bytecode")
        bare = whole_process([sys.executable, "-c", "pass"], args.self_check_runs, root / "bytecode")
        print(f"  floor: read + CSafeLoader, 1 process: {floor_before:.2f} s before the runs, {floor_after:.2f} s "
              f"after; the floor is {floor_seconds:.2f} s")
        rows = [("grade batch --no-reports", plain_seconds, plain_cpu, f"{plain_seconds / floor_seconds:5.2f}x the floor"),
                ("grade batch (with reports)", full_seconds, full_cpu, f"{full_seconds / floor_seconds:5.2f}x the floor"),
                (f"rerun with {decided:,} decisions", rerun_seconds, rerun_cpu,
                 f"{rerun_seconds / full_seconds:5.2f}x the first run")]
        for label, seconds, used, ratio in rows:
            print(f"  {label:40s} {seconds:7.2f} s  {args.count / seconds:8,.0f} submissions/s  {ratio}")
            print(f"  {'':40s} CPU s: parent user {used[0]:.1f} sys {used[1]:.1f}, "
                  f"workers user {used[2]:.1f} sys {used[3]:.1f}")
        print(f"  graded {outcome.graded:,}, problems {outcome.problems:,}, answers to review {outcome.needs_review:,}; "
              f"the rerun applied {rerun.decisions:,} decisions")
        print(f"  self-check `grade {SELF_CHECK}`, median of {args.self_check_runs} whole-process runs: "
              f"{self_check:.3f} s (a bare `python -c pass`: {bare:.3f} s)")
        print(f"  peak memory: this process {peak_mb(resource.RUSAGE_SELF):.0f} MB, "
              f"largest worker {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB")
        verdicts = [("without reports within 3x the floor", plain_seconds <= 3 * floor_seconds),
                    ("with reports >= 1,000 submissions/s", args.count / full_seconds >= 1000),
                    ("rerun with decisions at most 0.6 of the first run", rerun_seconds <= 0.6 * full_seconds),
                    ("self-check median <= 0.3 s", self_check <= 0.3),
                    ("peak memory < 300 MB", max(peak_mb(resource.RUSAGE_SELF), peak_mb(resource.RUSAGE_CHILDREN)) < 300)]
        for label, ok in verdicts:
            print(f"  {'ok  ' if ok else 'MISS'} {label}")


if __name__ == "__main__":
    main()
