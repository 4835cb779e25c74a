"""Small parts of the batch package: YAML quoting, file discovery, the progress bar."""

from __future__ import annotations

import io
import random

import pytest
import yaml

from grader.batch.progress import Progress
from grader.batch.review import yaml_string
from grader.batch.runner import discover


@pytest.mark.parametrize("text", [
    # plain and YAML-significant text
    "plain", "", " leading and trailing ", "key: value # not a comment", "- a list?", "{a: 1}", "[1, 2]",
    "yes", "no", "null", "~", "1e3", "0x1F", "0777", "12:30", ".nan", "2024-01-02", "&anchor *alias !tag",
    # quotes, backslashes and line breaks
    'say "hi"', "it's", "back\\slash", "two\nlines", "tab\there", "cr\rlf\r\n", "\\u0041 is not A",
    # unicode, including what YAML refuses raw or reads as a line break
    "½(μ² + σ² − 1 − log σ²)", "emoji 🎓", "nel\x85", "ls\u2028ps\u2029", "bom\ufeff", "del\x7f", "c1\x80\x9f",
    "nul\x00bell\x07esc\x1b", "nonchar\ufffe\uffff",
])
def test_yaml_string_reads_back_exactly(text):
    assert yaml.load(f"value: {yaml_string(text)}\n", Loader=yaml.CSafeLoader) == {"value": text}
    assert "\n" not in yaml_string(text)


def test_yaml_string_reads_back_random_text():
    rng = random.Random(5)
    alphabet = [chr(code) for code in range(0, 0x3000) if not 0xD800 <= code <= 0xDFFF] + ["🎓", "\U0001F600"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert yaml.load(f"- {yaml_string(text)}\n", Loader=yaml.CSafeLoader) == [text]


def test_discover_finds_yaml_recursively_sorted_and_skips_the_output(tmp_path):
    for name in ["b.yaml", "a.yml", "sub/c.yaml", "sub/deeper/d.YAML", "notes.txt", "out/review.yaml",
                 ".out.tmp-x1/results.yaml", ".out.old-x2/a.yaml", "outside.yaml.bak"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [name for _, name in discover(tmp_path, skip=tmp_path / "out").files]
    assert found == ["a.yml", "b.yaml", "sub/c.yaml", "sub/deeper/d.YAML"]
    assert "out/review.yaml" in [name for _, name in discover(tmp_path).files]


def test_progress_line_shows_count_rate_and_time_left():
    stream = io.StringIO()
    progress = Progress(1000, enabled=True, stream=stream)
    progress.done = 250
    assert progress.line(elapsed=2.0) == "[#######.....................] 250/1,000 files  125/s  0:06 left"
    progress.done = 0
    assert progress.line(elapsed=0.0).endswith("0/1,000 files  0/s  --:-- left")
    progress.advance(1000)
    assert stream.getvalue().startswith("\r[############################] 1,000/1,000")
    progress.close()
    assert stream.getvalue().endswith("\r")


def test_progress_is_silent_when_disabled():
    stream = io.StringIO()
    progress = Progress(10, enabled=False, stream=stream)
    progress.advance(10)
    progress.close()
    assert stream.getvalue() == ""


def test_progress_stays_off_the_terminal_when_not_a_tty(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not Progress.for_terminal(10, quiet=False).enabled


def test_the_spill_files_give_back_every_text_whatever_the_order_of_writes_and_reads(tmp_path):
    from grader.batch.collect import Spill, SpillReader

    first, second = Spill(tmp_path), Spill(tmp_path)  # two processes (here: one, so the number is taken once)
    assert first.number != second.number
    texts = [text.encode("utf-8") for text in ["", "plain", "ünïcödé ✓ 😀", "x" * 70_000, "line\n"]]
    refs = [(*spill.add(data), len(data)) for spill, data in zip([first, second] * 3, texts)]
    first.flush()
    second.flush()
    reader = SpillReader(tmp_path)
    assert [reader.read(ref) for ref in reversed(refs)] == texts[::-1]
    later = (*first.add(b"written after a read"), 20)
    first.flush()
    assert reader.read(later) == b"written after a read" and reader.read(refs[2]) == texts[2]
    first.close()
    second.close()
    (tmp_path / "notes.txt").write_text("not a spill file")
    reader.remove()
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_the_gradebook_is_the_csv_every_export_writes(tmp_path):
    from array import array

    from batch_support import RUBRIC_PATH
    from grader.batch.gradebook import write_gradebook
    from grader.batch.records import StudentRow
    from grader.files.csv_cells import csv_text
    from grader.rubric import load_rubric

    rubric = load_rubric(RUBRIC_PATH)
    count = len(rubric.questions)
    rows = [StudentRow(id="s1", name="=HYPERLINK(1)", email=None, total=-0.0, scores=array("d", [0.5] * count),
                       statuses=bytes(count), wrong=()),
            StudentRow(id="s2", name='Ann "Q", Jr.', email="a@b.c", total=31.25,
                       scores=array("d", [1 / 3, 2.0, -0.0] + [0.0] * (count - 3)), statuses=bytes(count), wrong=())]
    stream = io.StringIO(newline="")
    write_gradebook(stream, rows, rubric)
    expected = csv_text([["student_id", "name", "email", "total", "max", *rubric.questions]]
                        + [[row.id, row.name, row.email, row.total, rubric.rubric.max_score, *row.scores]
                           for row in rows])
    assert stream.getvalue() == expected
