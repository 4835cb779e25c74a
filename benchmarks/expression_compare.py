"""The cost of comparing expressions, in this checkout and another, as ratios measured back to back.

    python benchmarks/expression_compare.py --code /path/to/another/checkout [--rounds 3]

Times `compare()` (no cache: each call parses nothing and compares afresh) on three sets of answers
to the KL and least-squares questions: forms that agree in float64 (most answers a class sends), exact
rational forms (compared with fractions), and wrong forms (a known mistake, a slip). Each checkout
runs in its own process, alternately, `--rounds` times; the median per comparison is printed with the
ratio of this checkout to the other. Issue 21's target: answers that agree in float64 cost no more
than before (the 50-digit recheck never runs for them), although they are now compared at 107
stratified points instead of 40 random ones. Exact (rational) comparisons cost in proportion to the
points, and a wrong answer pays for one high-precision point; both are made once per distinct
answer form and question (grader/questions/expression.py caches them), so a class pays per form.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KL = (("mu", -2, 2), ("sigma", 0.1, 3))
LINE = (("x", 0, 4), ("w", -2, 2), ("b", -2, 2), ("y", -3, 3))
SETS = {
    "agreeing (float64)": (KL, "(mu^2 + sigma^2 - 1 - log(sigma^2))/2", [
        "0.5*(mu^2+sigma^2-1) - log(sigma)", "½(μ² + σ² − 1 − ln σ²)", "mu^2/2 + sigma^2/2 - 1/2 - ln(sigma)",
        "-0.5*(1 + log(sigma^2) - mu^2 - sigma^2)", r"\frac{1}{2}\left(\mu^2+\sigma^2-1-\log\sigma^2\right)",
        "0.5*(mu^2 + exp(2*log(sigma)) - 1) - log(sqrt(sigma^2))"]),
    "agreeing (exact)": (LINE, "2*x*(w*x + b - y)", [
        "2x(wx + b - y)", "2*w*x^2 + 2*b*x - 2*x*y", "(w*x + b - y)*2*x", "2x^2 w + 2bx - 2xy"]),
    "wrong": (KL, "(mu^2 + sigma^2 - 1 - log(sigma^2))/2", [
        "mu^2 + sigma^2 - 1 - log(sigma^2)", "(mu^2 + sigma^2 - 1)/2", "(mu^2 + sigma^2 - log(sigma^2))/2",
        "-(mu^2 + sigma^2 - 1 - log(sigma^2))/2"]),
}
REPEATS = 60  # comparisons per answer and round: enough for a stable median of a few milliseconds


def child(code: Path) -> None:
    """Time every set with the grader at `code`; print {set: seconds per comparison} as JSON."""
    sys.path.insert(0, str(code))
    from grader.expressions import Domain, compare, parse

    timings = {}
    for label, (variables, reference, answers) in SETS.items():
        names = [name for name, _, _ in variables]
        domains = {name: Domain(low, high) for name, low, high in variables}
        expected = parse(reference, names)
        trees = [parse(answer, names) for answer in answers]
        for tree in trees:
            compare(tree, expected, domains, rel=1e-3, abs=1e-6)  # warm up imports and first-call caches
        start = time.perf_counter()
        for _ in range(REPEATS):
            for seed, tree in enumerate(trees):
                compare(tree, expected, domains, rel=1e-3, abs=1e-6, seed=seed)
        timings[label] = (time.perf_counter() - start) / (REPEATS * len(trees))
    print(json.dumps(timings))


def measure(code: Path) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--child", str(code)], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", help="the other checkout (say, the code before a change); required")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child))
        return
    if not args.code:
        parser.error("--code DIR is required: the checkout to compare this one with")
    other = Path(args.code).resolve()
    runs: dict[str, list[dict[str, float]]] = {"this": [], "other": []}
    for _ in range(args.rounds):  # alternate, so a busy moment on a shared machine hits both
        runs["other"].append(measure(other))
        runs["this"].append(measure(REPO))
    print(f"compare() per comparison, median of {args.rounds} alternating rounds; this: {REPO}, other: {other}")
    for label in SETS:
        mine = statistics.median(run[label] for run in runs["this"])
        theirs = statistics.median(run[label] for run in runs["other"])
        print(f"  {label:20s} this {mine * 1e3:7.3f} ms   other {theirs * 1e3:7.3f} ms   ratio {mine / theirs:5.2f}")


if __name__ == "__main__":
    main()
