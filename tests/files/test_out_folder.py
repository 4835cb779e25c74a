"""grader.files.out_folder: the manifest that says which files of an output folder are the grader's.

The rules in use (a rerun, an export, leftovers, the lock) are tested where users meet them:
tests/batch/test_batch_safe_out.py, tests/batch/test_batch_leftovers.py and tests/export/.
"""

from __future__ import annotations

import json

import pytest

from grader.errors import UsageError
from grader.files.out_folder import MANIFEST_NAME, Manifest, check_replaceable, read_manifest, sha256_file


# the manifest's names: each must stay inside OUT (a damaged manifest is refused, never followed)
@pytest.mark.parametrize("name, safe", [
    ("results.jsonl", True), ("reports/s1.html", True), ("a/b/c.md", True), ("...", True), ("a b/.x", True),
    ("", False), ("/etc/passwd", False), ("../x", False), ("reports/../../x", False), ("reports/./s1.html", False),
    ("./results.jsonl", False), ("reports//s1.html", False), ("reports/", False), ("..", False), (".", False),
    ("reports\\s1.html", False), ("nul\x00.md", False),
])
def test_the_manifest_accepts_only_names_inside_the_folder(tmp_path, name, safe):
    document = {"tool": "grade", "version": "1", "files": {name: "0" * 64}, "exports": {}}
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(document), encoding="utf-8")
    if safe:
        assert read_manifest(tmp_path).files == {name: "0" * 64}
    else:
        with pytest.raises(UsageError, match="damaged"):
            read_manifest(tmp_path)


def test_a_listed_file_is_unchanged_only_as_recorded_and_is_not_read_again_while_its_identity_holds(tmp_path):
    (tmp_path / "results.jsonl").write_text("{}\n", encoding="utf-8")
    digest = sha256_file(tmp_path / "results.jsonl")
    (tmp_path / MANIFEST_NAME).write_text(Manifest(files={"results.jsonl": digest}).to_json(), encoding="utf-8")
    manifest = check_replaceable(tmp_path)
    assert manifest is not None and manifest.unchanged(tmp_path, "results.jsonl")
    assert "results.jsonl" in manifest.checked
    (tmp_path / "results.jsonl").write_text("{\"x\": 1}\n", encoding="utf-8")  # another size: read again
    assert not manifest.unchanged(tmp_path, "results.jsonl")
    (tmp_path / "results.jsonl").unlink()
    (tmp_path / "results.jsonl").symlink_to(tmp_path / MANIFEST_NAME)  # a link is never the grader's file
    assert not manifest.unchanged(tmp_path, "results.jsonl")
    assert sha256_file(tmp_path / "results.jsonl") is None
