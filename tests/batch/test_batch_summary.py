"""summary.html (self-contained, the statistics right) and gradebook.csv (safe in a spreadsheet)."""

from __future__ import annotations

import csv
import io
import re
from array import array

import pytest
import yaml

from batch_support import SUBMISSIONS, correct_answers
from grader.batch.histogram import bin_width, histogram
from grader.batch.records import STATUS_CODE, StudentRow, WrongAnswer
from grader.batch.summary import summarise


@pytest.fixture
def summary_html(class_folder, tmp_path, grade_batch) -> str:
    assert grade_batch(class_folder, tmp_path / "out")[0] == 0
    return (tmp_path / "out" / "summary.html").read_text("utf-8")


def test_summary_is_self_contained(summary_html):
    assert summary_html.count("<svg ") == 1 and "<rect " in summary_html
    assert "<script" not in summary_html and "@import" not in summary_html and "url(" not in summary_html
    assert not re.search(r"""(src|href|xlink:href|action)\s*=\s*["']?\s*(https?:)?//""", summary_html)
    assert not re.search(r"https?://", summary_html)
    assert "<link" not in summary_html


def test_summary_shows_the_class(summary_html):
    assert "62 of 69 submission files graded" in summary_html
    for qid in ("p2.a", "p3.b.h1", "p4.c", "p5.c.why"):
        assert f"<code>{qid}</code>" in summary_html
    assert "h1_no_tanh" in summary_html and "mse_sum" in summary_html  # wrong values with their mistake
    assert "broken/not-yaml.yaml" in summary_html  # the problems, listed
    assert "For a look, not an accusation" in summary_html


def test_summary_escapes_what_students_wrote(tmp_path, grade_batch):
    folder = tmp_path / "class"
    folder.mkdir()
    text = (SUBMISSIONS / "correct.yaml").read_text("utf-8").replace("Ada Lovelace", "<script>alert(1)</script>")
    (folder / "evil.yaml").write_text(text, "utf-8")
    (folder / "<b>bad<i>.yaml").write_text("- a list", "utf-8")
    assert grade_batch(folder, tmp_path / "out")[0] == 0
    html = (tmp_path / "out" / "summary.html").read_text("utf-8")
    assert "<script>" not in html and "<b>bad" not in html and "&lt;b&gt;bad&lt;i&gt;.yaml" in html


def row(student_id: str, total: float, scores: list[float], wrong=(), statuses=None) -> StudentRow:
    codes = bytes(STATUS_CODE[s] for s in (statuses or ["correct"] * len(scores)))
    return StudentRow(student_id, None, None, total, array("d", scores), codes, tuple(wrong))


def test_discrimination_index_is_top_minus_bottom(rubric):
    count = len(rubric.questions)
    # 100 students: the first question is earned exactly by the 50 strongest, the second by everyone
    rows = [row(f"s{n:03d}", n, [rubric.questions[q].points if (i > 0 or n >= 50) else 0
                                 for i, q in enumerate(rubric.questions)]) for n in range(100)]
    stats = summarise(rows, rubric).questions
    assert stats[0].discrimination == pytest.approx(1.0)  # top 27 all right, bottom 27 all wrong
    assert stats[1].discrimination == pytest.approx(0.0)
    assert stats[0].mean == pytest.approx(rubric.questions[stats[0].id].points / 2)
    assert len(stats) == count
    assert summarise(rows[:1], rubric).questions[0].discrimination is None  # no groups in a class of one


def test_wrong_values_cluster_within_the_tolerance(rubric):
    index = list(rubric.questions).index("p3.b.h1")
    points = [0.0] * len(rubric.questions)
    values = [0.2211] * 5 + [0.2212] * 3 + [0.2213] + [0.5] * 4 + [0.9] * 2 + [-1.0, -2.0, -3.0, -4.0]
    rows = [row(f"s{n:03d}", 0, points, [WrongAnswer(index, value, "h1_no_tanh" if 0 < value < 0.3 else None)])
            for n, value in enumerate(values)]
    clusters = next(q for q in summarise(rows, rubric).questions if q.id == "p3.b.h1").wrong_values
    assert [(c.value, c.count, c.variants, c.note) for c in clusters] == [
        ("0.2211", 9, 3, "h1_no_tanh"), ("0.5", 4, 1, None), ("0.9", 2, 1, None), ("-4", 1, 1, None),
        ("-3", 1, 1, None)]  # ties: the smaller value first; at most five


def test_pairs_share_three_uncommon_wrong_answers(rubric):
    points = [0.0] * len(rubric.questions)

    def wrong(*answers):
        return [WrongAnswer(question, value, None) for question, value in answers]

    rows = [row("a", 1, points, wrong((0, True), (1, 0.3), (2, "x"), (3, 7.0))),
            row("b", 1, points, wrong((0, True), (1, 0.3), (2, "x"))),
            row("c", 1, points, wrong((0, True), (1, 0.3), (3, 7.0)))]
    rows += [row(f"z{n:02d}", 1, points, wrong((4, 9.0), (5, 9.0), (6, 9.0))) for n in range(11)]  # common
    summary = summarise(rows, rubric)
    found = [(pair.first.id, pair.second.id, pair.questions) for pair in summary.pairs]
    names = list(rubric.questions)
    assert found == [("a", "b", names[:3]), ("a", "c", [names[0], names[1], names[3]])]


def test_histogram_bins():
    assert [bin_width(value) for value in (36, 32, 10, 100, 5)] == [2, 2, 0.5, 5, 0.25]
    drawn = histogram([0, 1.5, 2, 35.5, 36, 36], 36)
    assert [bar.count for bar in drawn.bars] == [2, 1] + [0] * 15 + [3]
    assert drawn.bars[0].label == "0–2" and drawn.bars[-1].label == "34–36"
    assert drawn.x_ticks[-1].label == "36"


def test_formula_injection_is_neutralised_in_the_gradebook(tmp_path, grade_batch):
    folder = tmp_path / "class"
    folder.mkdir()
    document = correct_answers()
    document["student"] = {"id": "s1", "name": '=HYPERLINK("http://x","y")', "email": "@evil"}
    (folder / "evil.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    assert grade_batch(folder, tmp_path / "out")[0] == 0
    text = (tmp_path / "out" / "gradebook.csv").read_text("utf-8")
    header, cells = list(csv.reader(io.StringIO(text)))
    assert cells[:3] == ["s1", "'=HYPERLINK(\"http://x\",\"y\")", "'@evil"]
    assert re.search(r"^s1,.*,36,36,1,1,", text.splitlines()[1])  # numbers stay bare numbers
