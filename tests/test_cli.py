"""The command line: key, template, schema, validate, formats, exit codes."""

import json

import pytest
import yaml

from grader.cli import main
from tests_support import RUBRIC_PATH, SUBMISSIONS


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_key_json_has_the_solver_values_and_evidence(capsys):
    code, out, _ = run(capsys, "key", str(RUBRIC_PATH), "--format", "json")
    assert code == 0
    answers = json.loads(out)["answers"]
    assert answers["p3.b.h1"]["answer"] == pytest.approx(0.2174146, abs=1e-7)
    assert answers["p3.b.h2"]["answer"] == pytest.approx(-0.1898822, abs=1e-7)
    assert answers["p3.c"]["answer"] == pytest.approx(0.5298607, abs=1e-7)
    assert [answers[f"p2.{s}"]["answer"] for s in "abcd"] == [False, False, True, False]
    assert all(answers[f"p2.{s}"]["evidence"] for s in "abcd")
    assert "Counterexample" in answers["p2.a"]["evidence"]
    assert answers["p5.c"]["answer"] == "non-saturating" and "0.99" in answers["p5.c"]["evidence"]
    assert answers["p3.c"]["mistakes"]["mse_sum"] == pytest.approx(1.059721, abs=1e-6)


def test_key_text(capsys):
    code, out, _ = run(capsys, "key", str(RUBRIC_PATH))
    assert code == 0 and "p3.b.h1" in out and "0.217415" in out and "evidence:" in out


def test_template_is_a_blank_submission_that_parses(capsys, tmp_path):
    code, out, _ = run(capsys, "template", str(RUBRIC_PATH))
    assert code == 0
    document = yaml.safe_load(out)
    assert document["assignment"] == "hw-lstm-vae-gan"
    assert set(document["answers"]["p2"]["a"]) == {"answer", "why"}
    assert set(document["answers"]["p3"]["b"]) >= {"f1", "h1", "h2"}
    assert "(2 pts)" in out  # each blank says what it is worth
    document["student"]["id"] = "s9"
    document["answers"]["p3"]["c"] = "52.99%"
    path = tmp_path / "submit.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    code, out, _ = run(capsys, str(path), "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["student"]["id"] == "s9"
    assert next(q for q in result["questions"] if q["id"] == "p3.c")["status"] == "correct"
    assert {q["status"] for q in result["questions"]} == {"missing", "correct"}
    assert result["warnings"] == []


@pytest.mark.parametrize("which, field", [("submission", "answers"), ("rubric", "questions")])
def test_schema(capsys, which, field):
    code, out, _ = run(capsys, "schema", which)
    schema = json.loads(out)
    assert code == 0 and field in schema["properties"]


def test_rubric_schema_lists_every_question_type(capsys):
    _, out, _ = run(capsys, "schema", "rubric")
    for name in ("true_false", "choice", "numeric", "shape", "text"):
        assert f'"{name}"' in out


def test_validate_passes_on_the_shipped_rubric(capsys):
    code, out, _ = run(capsys, "validate", str(RUBRIC_PATH))
    assert code == 0, out
    assert "self-test passed" in out
    assert "carried forward from p3.b.i1" in out and "mistake mse_sum" in out


def test_validate_fails_on_a_question_that_cannot_be_right(capsys, tmp_path):
    rubric = tmp_path / "r.yaml"
    rubric.write_text("id: r\ntitle: R\nquestions:\n"
                      "  - {id: q1, type: text, points: 1, concepts: [{name: x, points: 1, patterns: ['(?!)x']}]}\n")
    code, out, _ = run(capsys, "validate", str(rubric))
    assert code == 1 and "FAIL q1" in out


@pytest.mark.parametrize("fmt, marker", [("text", "Score:"), ("markdown", "| Question |"),
                                         ("html", "<!DOCTYPE html>"), ("json", '"max_score"')])
def test_every_format(capsys, fmt, marker):
    code, out, _ = run(capsys, str(SUBMISSIONS / "typical-mistakes.yaml"), "--format", fmt)
    assert code == 0 and marker in out


def test_output_file(capsys, tmp_path):
    target = tmp_path / "feedback.html"
    code, _, err = run(capsys, str(SUBMISSIONS / "correct.yaml"), "--format", "html", "-o", str(target))
    assert code == 0 and target.read_text().startswith("<!DOCTYPE html>") and "36/36" in err


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit) as info:
        main([str(SUBMISSIONS / "correct.yaml"), "--format", "pdf"])
    assert info.value.code == 2


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "grade key RUBRIC" in out and "grade validate RUBRIC" in out


def test_rubric_found_outside_a_checkout(tmp_path):
    """From any folder, the rubric comes with the package (installed) or the checkout (editable)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "grader", str(SUBMISSIONS / "correct.yaml")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Score:   36 / 36" in done.stdout
