"""grader.batch.review_reader: a review.yaml in the grader's layout reads as the YAML parser reads it."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from batch_support import RUBRIC_PATH, write_class

from grader.batch import BatchOptions, run_batch
from grader.batch.review import yaml_string
from grader.batch.review_reader import grader_layout_entries, written_entries
from grader.errors import OverridesError
from grader.safe_yaml import load_yaml_entries

MAX_NODES = 1_000_000


def by_yaml(path: Path) -> list[tuple[int, Any, int]]:
    """The entries the loader reads, numbered as in the file (it reads past the others)."""
    entries = load_yaml_entries(path, OverridesError, max_bytes=1 << 26, max_nodes=MAX_NODES)
    return [(number, _as_loader_sees(entry), line) for number, (entry, line) in enumerate(entries, start=1)
            if _as_loader_sees(entry) != {"score": None}]


READ = ("student", "question", "score", "comment", "answer_sha256", "stale", "previous_score", "previous_comment")


def _as_loader_sees(entry: Any) -> Any:
    """An entry the loader reads past (score empty, no comment, not stale) is all {"score": None} to it; of
    the others it reads these fields (the rest, name, answer, concepts..., it reads past)."""
    if isinstance(entry, dict) and entry.get("score", 0) is None and not entry.get("comment") \
            and entry.get("stale") is not True:
        return {"score": None}
    return {key: entry[key] for key in READ if key in entry} if isinstance(entry, dict) else entry


def fast(path: Path) -> list[tuple[int, Any, int]] | None:
    entries = grader_layout_entries(path.read_bytes(), MAX_NODES)
    return None if entries is None else [(number, _as_loader_sees(entry), line) for number, entry, line in entries
                                         if _as_loader_sees(entry) != {"score": None}]


@pytest.fixture(scope="module")
def review_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A review.yaml as `grade batch` writes it, with decisions and odd text typed into it."""
    tmp = tmp_path_factory.mktemp("review")
    out = tmp / "out"
    run_batch(BatchOptions(folder=write_class(tmp / "class"), rubric=RUBRIC_PATH, out=out, jobs=1, quiet=True))
    text = (out / "review.yaml").read_text(encoding="utf-8")
    rng = random.Random(7)
    odd = ["ünïcödé ✓ 😀", 'quote " and \\ backslash', "tab\there", "line\nbreak", "a: b # not a comment",
           "[not a list]", "- dash", "  spaces  ", "'single'", "\\u00e9 written out", "\x85 next line"]
    parts = text.split("  score:\n")
    written = [parts[0]]
    for index, part in enumerate(parts[1:]):  # decide every third entry, with a comment from the odd list
        if index % 3 == 0:
            comment = yaml_string(rng.choice(odd))
            written.append(f"  score: {rng.choice(['0', '1', '0.5', '0.25'])}\n  comment: {comment}\n")
        else:
            written.append("  score:\n")
        written.append(part)
    decided = tmp / "decided.yaml"
    decided.write_text("".join(written), encoding="utf-8")
    return decided


def test_the_grader_layout_reads_as_yaml_reads_it(review_file: Path) -> None:
    entries = fast(review_file)
    assert entries is not None and len(entries) > 20
    assert entries == by_yaml(review_file)
    assert any(entry.get("comment") for _, entry, _ in entries)
    assert entries[-1][0] > 2 * len(entries)  # numbered as in the file: undecided entries count, unread


@pytest.mark.parametrize(("old", "new"), [
    ("  score:\n", "  score: .5\n"),          # YAML reads a float, JSON does not
    ("  score:\n", "  score: 1e3\n"),         # YAML 1.1 reads text, JSON a number
    ("  score:\n", "  score: yes\n"),         # YAML 1.1 reads true
    ("  score:\n", "  score: 1 # agreed\n"),  # a comment after a value
    ("  score:\n", "  score: 1\n  score: 0\n"),  # a key twice
    ("- student:", "-   student:"),           # another indentation
    ("  points:", "  Points:"),               # a key the grader does not write
])
def test_anything_else_goes_to_the_yaml_parser(review_file: Path, tmp_path: Path, old: str, new: str) -> None:
    edited = tmp_path / "edited.yaml"
    edited.write_text(review_file.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    assert fast(edited) is None


def test_random_strings_read_the_same_or_go_to_the_parser(tmp_path: Path) -> None:
    rng = random.Random(11)
    alphabet = "aZ09 :#-[]{},'\"\\/\t\n\x85\u2028é😀\ufeff\x7f&*!|>%@`"
    for trial in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        quoted = yaml_string(text) if trial % 2 else json.dumps(text, ensure_ascii=False)
        path = tmp_path / "one.yaml"
        path.write_text(f"- student: \"s1\"\n  question: \"p2.a.why\"\n  score: 1\n  comment: {quoted}\n",
                        encoding="utf-8")
        entries = fast(path)
        if entries is not None:
            assert entries == by_yaml(path), text


@pytest.mark.parametrize("typed", [
    "  comment: half done\n",  # a comment on an undecided entry: the loader must see it (it asks for the score)
    "  stale: true\n  previous_score: 1\n",
    "\n# a note between entries\n\n",
])
def test_an_undecided_entry_with_more_typed_into_it_is_read(review_file: Path, tmp_path: Path, typed: str) -> None:
    text = review_file.read_text(encoding="utf-8")
    at = text.index("  score:\n", len(text) // 2) + len("  score:\n")
    edited = tmp_path / "edited.yaml"
    edited.write_text(text[:at] + typed + text[at:], encoding="utf-8")
    assert fast(edited) == by_yaml(edited)


def test_plain_values_read_as_yaml_reads_them_or_go_to_the_parser(tmp_path: Path) -> None:
    """An override file as yaml.safe_dump or a TA writes it: unquoted ids and comments."""
    rng = random.Random(5)
    alphabet = "aZy09 .,;!?()'/-_:#\"\t"
    words = ["well done", "Read and accepted.", "yes", "No", "on", "null", "True", "s1001", "p2.a.why", "a  b",
             "see (a) and (b)!", "don't", "x-y/z", "ends with space ", "a: b", "a #b", "1e3", "0x1F", "2024-01-01"]
    for trial in range(300):
        value = rng.choice(words) if trial % 2 else "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        path = tmp_path / "one.yaml"
        path.write_text(f"- student: s1001\n  question: p2.a.why\n  score: 1\n  comment: {value}\n", encoding="utf-8")
        try:
            expected = by_yaml(path)
        except OverridesError:
            expected = None
        entries = fast(path)
        if entries is not None:
            assert entries == expected, value
    safe_dumped = tmp_path / "dumped.yaml"
    import yaml

    decisions = [{"student": f"s100{n}", "question": "p2.a.why", "score": 1.0, "comment": "Read and accepted."}
                 for n in range(3)]
    safe_dumped.write_text(yaml.safe_dump(decisions, sort_keys=False), encoding="utf-8")
    assert fast(safe_dumped) is not None and fast(safe_dumped) == by_yaml(safe_dumped)


def test_a_review_yaml_as_the_grader_wrote_it_is_read_from_its_decisions_alone(review_file: Path,
                                                                             tmp_path: Path) -> None:
    """The review.yaml of a rerun, unedited: decided entries (comments with odd text) and stale notes are
    read as the YAML parser reads them, and the thousands of undecided entries are not looked at."""
    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    run_batch(BatchOptions(folder=folder, rubric=RUBRIC_PATH, out=out, jobs=1, quiet=True))
    run_batch(BatchOptions(folder=folder, rubric=RUBRIC_PATH, out=out, jobs=1, quiet=True, overrides=(review_file,)))
    for path in sorted((folder / "section-0").glob("*.yaml")):  # changed answers: their decisions go stale
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(_rewritten(document), sort_keys=False), encoding="utf-8")
    run_batch(BatchOptions(folder=folder, rubric=RUBRIC_PATH, out=out, jobs=1, quiet=True))
    written = out / "review.yaml"
    text = written.read_text(encoding="utf-8")
    assert "  reviewed: true\n" in text and "  stale: true\n" in text and "  comment: " in text
    entries = written_entries(written.read_bytes())
    assert entries is not None
    assert [(number, _as_loader_sees(entry), line) for number, entry, line in entries] == by_yaml(written) == fast(written)


def _rewritten(value: Any) -> Any:
    """Every sentence of a submission rewritten (the free-text answers change, the numbers stay)."""
    if isinstance(value, dict):
        return {key: _rewritten(item) for key, item in value.items()}
    return value + " Rewritten after the deadline." if isinstance(value, str) and " " in value else value
