"""The result cache (grader.batch.result_cache): a rerun grades only what changed, and OUT is the same."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from batch_support import REPO, RUBRIC_PATH, read_tree, write_class

import grader.batch.overrides as overrides
import grader.batch.pipeline as pipeline
import grader.batch.runner as runner
from grader.batch import BatchOptions, run_batch
from grader.batch.result_cache import ResultCache, inputs_fingerprint
from grader.errors import OverridesError, UsageError
from grader.files.out_folder import CACHE_FILE as CACHE_NAME
from grader.files.out_folder import Manifest, read_manifest
from grader.rubric import load_rubric


def student_ids_passed_to(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """The student ids `runner.<name>` is called for from now on (jobs=1 works in this process); its first
    argument is a Submission or a Result, both of which have `.student.id`."""
    calls: list[str] = []
    real = getattr(runner, name)

    def counting(first, *args, **options):
        calls.append(first.student.id)
        return real(first, *args, **options)

    monkeypatch.setattr(runner, name, counting)
    return calls


@pytest.fixture
def gradings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The student ids grade_submission is called for."""
    return student_ids_passed_to(monkeypatch, "grade_submission")


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The student ids reports are rendered for."""
    return student_ids_passed_to(monkeypatch, "render_result")


def batch(folder: Path, out: Path, rubric: Path = RUBRIC_PATH, *overrides: Path, reports: bool = True) -> None:
    run_batch(BatchOptions(folder=folder, rubric=rubric, out=out, jobs=1, quiet=True, overrides=overrides,
                           reports=reports))


def decide_text_answers(out: Path, path: Path, every: int = 5) -> int:
    """An override file deciding the free-text answers of one student in `every`; how many decisions."""
    decisions = []
    for number, line in enumerate((out / "results.jsonl").read_text(encoding="utf-8").splitlines()):
        result = json.loads(line)
        if number % every == 0:
            decisions += [{"student": result["student"]["id"], "question": question["id"],
                           "score": question["max_score"] / 2, "comment": "Half: see the lecture notes."}
                          for question in result["questions"] if question["status"] == "needs_review"]
    path.write_text(yaml.safe_dump(decisions, sort_keys=False), encoding="utf-8")
    return len(decisions)


def graded_files(out: Path) -> int:
    return len((out / "results.jsonl").read_text(encoding="utf-8").splitlines())


def test_a_rerun_with_only_new_decisions_grades_nothing_and_writes_the_same_out(
        tmp_path: Path, gradings: list[str]) -> None:
    folder, out, fresh = write_class(tmp_path / "class"), tmp_path / "out", tmp_path / "fresh"
    batch(folder, out)
    assert len(gradings) == graded_files(out)  # every file that could be graded
    assert CACHE_NAME in read_manifest(out).files  # a file the tool wrote, listed like the others
    decisions = tmp_path / "decisions.yaml"
    assert decide_text_answers(out, decisions) > 0
    gradings.clear()

    batch(folder, out, RUBRIC_PATH, decisions)

    assert gradings == []  # nothing graded again
    text = (out / "results.jsonl").read_text(encoding="utf-8")
    assert "Half: see the lecture notes." in text  # the decisions are applied after the cache
    batch(folder, fresh, RUBRIC_PATH, decisions)  # the same run without any cache
    assert read_tree(out) == read_tree(fresh)


def test_decisions_changed_again_are_applied_to_the_results_the_cache_kept_from_before_the_first_ones(
        tmp_path: Path, gradings: list[str]) -> None:
    """The second rerun starts from the Results before decisions that the first rerun's cache holds: nothing is
    graded, and OUT is what a run without any cache writes (but for the cache: decisions read back from
    review.yaml are bound to the answers they judged, those of a file of overrides are not)."""
    folder, out, fresh = write_class(tmp_path / "class"), tmp_path / "out", tmp_path / "fresh"
    batch(folder, out)
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    decide_text_answers(out, first, every=2)
    batch(folder, out, RUBRIC_PATH, first)
    decide_text_answers(out, second, every=3)
    second.write_text(second.read_text(encoding="utf-8").replace("Half:", "A half:"), encoding="utf-8")
    gradings.clear()

    batch(folder, out, RUBRIC_PATH, second)

    assert gradings == []
    assert "A half: see" in (out / "results.jsonl").read_text(encoding="utf-8")
    batch(folder, fresh, RUBRIC_PATH, first, second)  # (the first decisions are in OUT's review.yaml now)
    assert {name: data for name, data in read_tree(out).items() if not name.startswith(".grade-")} == \
        {name: data for name, data in read_tree(fresh).items() if not name.startswith(".grade-")}


def test_a_changed_submission_is_graded_again_and_the_others_are_not(tmp_path: Path, gradings: list[str]) -> None:
    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    batch(folder, out)
    changed = folder / "section-1" / "student-04.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Student 04", "Student Four"), encoding="utf-8")
    gradings.clear()

    batch(folder, out)

    assert gradings == ["s2004"]
    assert "Student Four" in (out / "reports" / "s2004.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("edit", ["rubric", "solver"])
def test_a_changed_rubric_or_solver_invalidates_every_entry(tmp_path: Path, gradings: list[str], edit: str) -> None:
    course = tmp_path / "course"  # a course of its own: its rubric and a copy of the solver beside it
    shutil.copytree(REPO / "reference", course / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    rubric = course / "rubrics" / RUBRIC_PATH.name
    rubric.parent.mkdir()
    shutil.copyfile(RUBRIC_PATH, rubric)
    shutil.copyfile(RUBRIC_PATH.parent / "hw-lstm-vae-gan.sheet.md.j2", rubric.parent / "hw-lstm-vae-gan.sheet.md.j2")
    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    batch(folder, out, rubric)
    first = len(gradings)
    gradings.clear()
    batch(folder, out, rubric)
    assert gradings == []
    before = inputs_fingerprint(load_rubric(rubric))

    touched = rubric if edit == "rubric" else course / "reference" / "lstm.py"
    touched.write_text(touched.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    batch(folder, out, rubric)

    assert len(gradings) == first  # every file graded again
    assert inputs_fingerprint(load_rubric(rubric)) != before


@pytest.mark.parametrize("damage", [b"not json at all\n", b"", b"\xff\xfe garbage", b"{\"kind\": \"grade batch results cache\""])
def test_a_damaged_cache_is_ignored_without_a_traceback(tmp_path: Path, gradings: list[str], damage: bytes) -> None:
    folder, out, fresh = write_class(tmp_path / "class"), tmp_path / "out", tmp_path / "fresh"
    batch(folder, out)
    graded = len(gradings)
    (out / CACHE_NAME).write_bytes(damage)
    gradings.clear()

    batch(folder, out)  # not refused as "changed since grade batch wrote it": the cache is rebuilt

    assert len(gradings) == graded
    batch(folder, fresh)
    assert read_tree(out) == read_tree(fresh)


def test_a_cache_entry_that_no_longer_matches_results_jsonl_is_graded_again(tmp_path: Path) -> None:
    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    batch(folder, out)
    rubric = load_rubric(RUBRIC_PATH)
    fingerprint = inputs_fingerprint(rubric)
    manifest = read_manifest(out)
    cache = ResultCache.load(out, fingerprint, manifest)
    name = "section-0/student-00.yaml"
    from grader.batch.result_cache import submission_key

    key = submission_key(name, (folder / name).read_bytes())
    assert cache.get(name, key) is not None
    assert cache.get(name, "0" * 64) is None  # another version of the file
    assert ResultCache.load(out, "another fingerprint", manifest).get(name, key) is None
    other = Manifest(files={**manifest.files, CACHE_NAME: "0" * 64})
    assert ResultCache.load(out, fingerprint, other).get(name, key) is None  # not the file the grader wrote
    results = out / "results.jsonl"
    results.write_text(results.read_text(encoding="utf-8").replace('"score":', '"score" :', 1), encoding="utf-8")
    first = json.loads(results.read_text(encoding="utf-8").splitlines()[0])["student"]["id"]
    damaged = [entry for entry in cache.entries.values() if entry[2] == "graded" and entry[4] == 0]
    assert damaged, first
    cached = cache.get(damaged[0][0], damaged[0][1])
    assert cached is not None and cache.provisional_json(cached) is None  # its line is not the one recorded


def test_no_reports_then_reports_renders_every_report(tmp_path: Path, gradings: list[str]) -> None:
    folder, out, fresh = write_class(tmp_path / "class"), tmp_path / "out", tmp_path / "fresh"
    batch(folder, out, reports=False)
    gradings.clear()
    batch(folder, out)
    assert gradings == []
    batch(folder, fresh)
    assert read_tree(out) == read_tree(fresh)



def test_a_report_someone_edited_is_never_replaced_or_deleted(tmp_path: Path) -> None:
    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    batch(folder, out)
    report = out / "reports" / "s2004.md"
    report.write_text(report.read_text(encoding="utf-8") + "\nSee me after class.\n", encoding="utf-8")
    before = read_tree(out)

    with pytest.raises(UsageError, match=r"reports/s2004\.md changed after `grade batch` wrote it"):
        batch(folder, out)  # s2004's result is the same, but the report is not the grader's any more

    assert read_tree(out) == before


def test_a_rerun_that_changes_nothing_grades_and_renders_nothing_and_writes_the_same_out(
        tmp_path: Path, gradings: list[str], renders: list[str]) -> None:
    """Same files, rubric and decisions: the Results come from the cache, the reports are linked from the
    previous OUT, and OUT is the same."""
    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    batch(folder, out)
    decisions = tmp_path / "decisions.yaml"
    decide_text_answers(out, decisions)
    batch(folder, out, RUBRIC_PATH, decisions)
    before = read_tree(out)
    gradings.clear()
    renders.clear()

    batch(folder, out, RUBRIC_PATH, decisions)

    assert gradings == [] and renders == []
    assert read_tree(out) == before


def test_review_yaml_as_the_grader_wrote_it_is_not_parsed_and_reads_as_parsing_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Decisions with odd comments and stale notes: the result cache's record of them is what the YAML parser
    reads from review.yaml, so a rerun takes it instead of parsing the file while the file is unchanged."""
    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    batch(folder, out)
    decisions = tmp_path / "decisions.yaml"
    odd = ["Half: see the notes.", "ünïcödé ✓ \"quoted\" \\ back", "two\nlines\ttab", "nel\x85 ls\u2028 bom\ufeff",
           "yes", "1e3", " padded ", "- a list?", "#", "x" * 3000]
    document = yaml.safe_load(decisions.read_text(encoding="utf-8")) if decide_text_answers(out, decisions) else []
    for number, entry in enumerate(document):
        entry["comment"] = odd[number % len(odd)]
        entry["score"] = [0, 0.25, 1 / 3, 0.5][number % 4]
    decisions.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    batch(folder, out, RUBRIC_PATH, decisions)
    for path in sorted((folder / "section-0").glob("*.yaml")):  # changed answers: their decisions go stale
        path.write_text(path.read_text(encoding="utf-8").replace("h_{t-1}", "h_(t-1)"), encoding="utf-8")
    batch(folder, out)
    text = (out / "review.yaml").read_text(encoding="utf-8")
    assert "  reviewed: true\n" in text and "  stale: true\n" in text and "  comment: " in text

    rubric = load_rubric(RUBRIC_PATH)
    recorded = ResultCache.load(out, inputs_fingerprint(rubric), read_manifest(out)).review
    assert recorded is not None
    parsed = overrides.load_overrides(out / "review.yaml", rubric)
    calls: list[Path] = []
    real = overrides.load_yaml_entries
    monkeypatch.setattr(overrides, "load_yaml_entries", lambda path, *args, **options: calls.append(path) or
                        real(path, *args, **options))
    taken = overrides.load_overrides(out / "review.yaml", rubric, recorded)
    assert calls == []
    assert (taken.by_student, taken.stale_notes, taken.sha256) == (parsed.by_student, parsed.stale_notes,
                                                                   parsed.sha256)
    assert len(taken) > 10 and taken.stale_notes

    decided = next(iter(next(iter(parsed.by_student.values()))))  # a question someone decided
    shrunk = copy.copy(rubric)  # a rubric edited since: that question is gone; both readings say so alike
    shrunk.questions = {qid: question for qid, question in rubric.questions.items() if qid != decided}
    messages = []
    for record in (None, recorded):
        with pytest.raises(OverridesError) as refused:
            overrides.load_overrides(out / "review.yaml", shrunk, record)
        messages.append(str(refused.value))
    assert messages[0] == messages[1] and f"`{decided}` is not a question" in messages[0]


def test_a_review_yaml_a_ta_edited_is_parsed_and_its_decision_is_applied(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, out, fresh = write_class(tmp_path / "class"), tmp_path / "out", tmp_path / "fresh"
    batch(folder, out)
    review = out / "review.yaml"
    text = review.read_text(encoding="utf-8")
    review.write_text(text.replace("  score:\n", "  score: 0\n  comment: \"Seen.\"\n", 1), encoding="utf-8")
    decided = tmp_path / "decided.yaml"
    shutil.copyfile(review, decided)

    batch(folder, out)

    assert '"comment":"Seen."' in (out / "results.jsonl").read_text(encoding="utf-8")
    batch(folder, fresh, RUBRIC_PATH, decided)
    assert {name: data for name, data in read_tree(out).items() if not name.startswith(".grade-")} == \
        {name: data for name, data in read_tree(fresh).items() if not name.startswith(".grade-")}


def test_a_review_yaml_edited_during_the_run_is_never_replaced_unseen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    batch(folder, out)
    review = out / "review.yaml"
    real = pipeline.grade_files

    def editing(*args):  # a TA saves review.yaml while the rerun grades
        with open(review, "a", encoding="utf-8") as stream:
            stream.write("# decided later\n")
        return real(*args)

    monkeypatch.setattr(pipeline, "grade_files", editing)
    with pytest.raises(UsageError, match="review.yaml changed while `grade batch` was running; nothing was replaced"):
        batch(folder, out)
    assert review.read_text(encoding="utf-8").endswith("# decided later\n")


def test_a_swap_that_fails_after_reports_were_linked_leaves_the_previous_out_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.batch.staging as staging

    folder, out = write_class(tmp_path / "class"), tmp_path / "out"
    batch(folder, out)
    (out / "reports" / "notes.txt").write_text("mine", encoding="utf-8")
    changed = folder / "section-1" / "student-04.yaml"  # s2004's reports are rendered again, the others linked
    changed.write_text(changed.read_text(encoding="utf-8").replace("Student 04", "Student Four"), encoding="utf-8")
    (folder / "section-2" / "student-05.yaml").unlink()  # s2005's reports go
    before = read_tree(out)
    real_rename = os.rename

    def rename(source, target):
        if Path(target) == out and Path(source).name.startswith(".out.tmp-"):  # the new folder into place
            raise OSError(5, "Input/output error")
        real_rename(source, target)

    monkeypatch.setattr(staging.os, "rename", rename)
    with pytest.raises(OSError, match="Input/output error"):
        batch(folder, out)
    assert read_tree(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]
    monkeypatch.setattr(staging.os, "rename", real_rename)
    batch(folder, out)  # and the next run goes through
    assert "Student Four" in (out / "reports" / "s2004.md").read_text(encoding="utf-8")
    assert not (out / "reports" / "s2005.md").exists() and (out / "reports" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("library", ["mpmath", "numpy", "pydantic-core"])
def test_another_version_of_a_library_grading_uses_is_another_fingerprint(monkeypatch, library):
    """mpmath is loaded only when a point needs a second look, so its version is read from its distribution."""
    import importlib.metadata

    rubric = load_rubric(RUBRIC_PATH)
    before = inputs_fingerprint(rubric)
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0.1" if name == library else real(name))
    assert inputs_fingerprint(rubric) != before
