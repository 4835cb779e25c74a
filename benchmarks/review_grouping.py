"""How much reading and typing the review queue's answer groups save a TA, on two generated classes.

    python benchmarks/review_grouping.py [--students 300] [--seed 22]

1. Free text: a class of N answers to one free-text question (p2.a.why) made from 12 distinct answers
   with typos (0-2 letters changed, dropped or swapped), case and punctuation noise, seeded. Grouped by
   `grader.serve.grouping.group_answers` at several thresholds (100: identical after normalising only).
2. Numbers: the 13 numeric questions of the typical-mistakes class: N students, each answer taken from
   correct.yaml, typical-mistakes.yaml (the known mistakes), or a slip of its own (another rounding, the
   sign flipped, a factor of 2, a random value), graded by the real grader, grouped by mistake and value.

For each it prints the groups a TA sees, the groups that mix answers a TA would score differently
(free text: answers made from different distinct answers; they must be split), and the keystrokes to
decide everything, by this model of the review page: a group scored full marks, zero or its
provisional score is one chord (Alt+F, Alt+Z, Alt+A); another score is the field's chord (Alt+S), the
digits and Enter; the next group opens by itself; a mixed group costs one more typed decision per
extra part. Beside it, deciding answer by answer in review.yaml: the digits of each score and one key
to move on, per answer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.grading import grade_submission  # noqa: E402
from grader.questions import NumericQuestion  # noqa: E402
from grader.results import format_points  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402
from grader.serve.grouping import DEFAULT_THRESHOLD, EXACT_ONLY, Member, group_answers  # noqa: E402
from grader.submission import parse_submission  # noqa: E402

RUBRIC = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"
THRESHOLDS = (EXACT_ONLY, 90, DEFAULT_THRESHOLD, 80, 70)
DISTINCT = [  # (answer, the score a TA gives it, of 1 point)
    ("The gates and the candidate still depend on h_{t-1}, so h_t changes.", 1.0),
    ("Counterexample: with x_t = 0 and h_{t-1} = 0.3 the hidden state still changes.", 1.0),
    ("The biases keep the gates away from zero even when the input is zero.", 0.5),
    ("Because of the recurrent weights U the previous hidden state still enters every gate.", 1.0),
    ("With no input nothing changes.", 0.0),
    ("The forget gate is zero so the cell state is erased.", 0.0),
    ("h_t depends only on x_t, which is zero, so h_t is zero too.", 0.0),
    ("The output gate still opens because of the bias b_o.", 0.5),
    ("It is false since the LSTM keeps a memory of earlier steps.", 0.5),
    ("The sigmoid of zero is one half, so the gates are half open.", 0.5),
    ("True, a zero input gives a zero output.", 0.0),
    ("The candidate tanh(U_c h_{t-1} + b_c) is not zero in general.", 1.0),
]
PUNCTUATION = [".", "!", "", " .", ",", "..."]


def noisy(text: str, rng: random.Random) -> str:
    """One student's way of writing `text`: case, punctuation and spacing changed, and maybe a typo or two."""
    letters = list(text)
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        spot = rng.randrange(len(letters))
        change = rng.choice(("drop", "swap", "double", "replace"))
        if change == "drop":
            del letters[spot]
        elif change == "swap" and spot + 1 < len(letters):
            letters[spot], letters[spot + 1] = letters[spot + 1], letters[spot]
        elif change == "double":
            letters.insert(spot, letters[spot])
        else:
            letters[spot] = rng.choice("aeiounrst")
    written = "".join(letters).rstrip(".")
    written = rng.choice((str.lower, str.upper, str.capitalize, lambda s: s, lambda s: s))(written)
    if rng.random() < 0.3:
        written = written.replace(", ", " , ").replace(" ", "  ", 1)
    return written + rng.choice(PUNCTUATION)


def keystrokes(score: float, points: float, provisional: float | None = None) -> int:
    """Keys to decide one group with `score` on the review page (see the module docstring)."""
    if score in (0.0, points) or score == provisional:
        return 1
    return 1 + len(format_points(score)) + 1


def by_hand(scores: list[float]) -> int:
    """Keys to type every score into review.yaml, one answer after another."""
    return sum(len(format_points(score)) + 1 for score in scores)


def free_text(students: int, seed: int) -> None:
    rubric = load_rubric(RUBRIC)
    question = rubric.questions["p2.a.why"]
    rng = random.Random(seed)
    members, source = [], {}
    for index in range(students):
        distinct = rng.randrange(len(DISTINCT))
        student_id = f"s{index:04d}"
        members.append(Member(student_id, noisy(DISTINCT[distinct][0], rng), "needs_review", None, 0.5))
        source[student_id] = distinct
    writings = len({member.answer for member in members})
    print(f"Free text: {students} answers to p2.a.why from {len(DISTINCT)} distinct answers, written "
          f"{writings} different ways (typos, case, punctuation); by hand in review.yaml: "
          f"{by_hand([DISTINCT[source[m.student_id]][1] for m in members])} keystrokes")
    print(f"  {'threshold':>9}  {'groups':>6}  {'mixed':>5}  {'answers in a mixed group':>24}  {'keystrokes':>10}  "
          f"{'ms':>6}")
    for threshold in THRESHOLDS:
        started = time.perf_counter()
        groups = group_answers(members, question, threshold=threshold, seed="bench")
        elapsed = 1000 * (time.perf_counter() - started)
        keys = mixed = astray = 0
        for group in groups:
            parts = Counter(source[member.student_id] for member in group.members)
            scores = {DISTINCT[distinct][1] for distinct in parts}
            keys += sum(keystrokes(score, question.points) for score in scores)
            if len(scores) > 1:
                mixed += 1
                astray += sum(parts.values()) - max(parts.values())
        mark = "  (the default)" if threshold == DEFAULT_THRESHOLD else ""
        print(f"  {threshold:>9}  {len(groups):>6}  {mixed:>5}  {astray:>24}  {keys:>10}  {elapsed:>6.1f}{mark}")


def numeric(students: int, seed: int) -> None:
    rubric = load_rubric(RUBRIC)
    rng = random.Random(seed)
    correct = yaml.safe_load((REPO / "submissions" / "correct.yaml").read_text(encoding="utf-8"))
    typical = yaml.safe_load((REPO / "submissions" / "typical-mistakes.yaml").read_text(encoding="utf-8"))
    typical.pop("score", None)
    numeric_ids = [qid for qid, question in rubric.questions.items() if isinstance(question, NumericQuestion)]
    members: dict[str, list[Member]] = {qid: [] for qid in numeric_ids}
    for index in range(students):
        data = yaml.safe_load(yaml.safe_dump(correct))
        data["student"] = {"id": f"s{index:04d}"}
        for qid in numeric_ids:
            part, *rest = qid.split(".")
            good, slip = _at(correct["answers"], [part, *rest]), _at(typical["answers"], [part, *rest])
            roll = rng.random()
            value = good if roll < 0.55 or (roll < 0.8 and slip is None) else slip if roll < 0.8 else _slip(good, rng)
            _put(data["answers"], [part, *rest], value)
        submission, warnings = parse_submission(data, f"s{index:04d}.yaml")
        result = grade_submission(submission, rubric, warnings=warnings)
        for graded in result.questions:
            if graded.id in members:
                members[graded.id].append(Member(submission.student.id, graded.answer, graded.status, graded.note,
                                                 graded.score))
    total_groups = total_keys = total_answers = hand = 0
    print(f"\nNumbers: the {len(numeric_ids)} numeric questions of the typical-mistakes class, {students} students")
    print(f"  {'question':<12}  {'answers':>7}  {'groups':>6}  {'keystrokes':>10}  {'by hand':>7}")
    for qid in numeric_ids:
        groups = group_answers(members[qid], rubric.questions[qid], seed="bench")
        points = rubric.questions[qid].points
        # a TA accepts the grader's score for right answers and known mistakes, and types one for the rest
        keys = sum(1 if group.label.startswith(("right", "matches", "no answer", "could not")) else
                   keystrokes(group.members[0].score, points, group.members[0].score) for group in groups)
        typed = by_hand([member.score for member in members[qid]])
        total_groups, total_keys, total_answers, hand = (total_groups + len(groups), total_keys + keys,
                                                         total_answers + len(members[qid]), hand + typed)
        print(f"  {qid:<12}  {len(members[qid]):>7}  {len(groups):>6}  {keys:>10}  {typed:>7}")
    print(f"  {'all':<12}  {total_answers:>7}  {total_groups:>6}  {total_keys:>10}  {hand:>7}  "
          f"({total_answers / total_groups:.1f} answers a group; {hand / total_keys:.1f}x fewer keystrokes)")


def _at(tree: dict, path: list[str]) -> object:
    """The answer at `path`, or None where the file has none."""
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _put(tree: dict, path: list[str], value: object) -> None:
    for key in path[:-1]:
        tree = tree[key]
    tree[path[-1]] = value


def _slip(value: object, rng: random.Random) -> object:
    """A student's own slip on a right value: the sign, a factor of 2, a rounding, or a stray number."""
    try:
        number = float(str(value).replace("\u2212", "-").rstrip("%"))
    except ValueError:
        return value
    kind = rng.choice(("sign", "double", "round", "stray"))
    if kind == "sign":
        return -number
    if kind == "double":
        return round(2 * number, 4)
    if kind == "round":
        return round(number, 1)
    return round(rng.uniform(-1, 1), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    free_text(args.students, args.seed)
    numeric(args.students, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
