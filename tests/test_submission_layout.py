"""The harness turns any upload layout into one entry file, modules and result files."""
import json
import os
import sys
import zipfile

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "autograder", "harness"))
import entry  # noqa: E402
import submission  # noqa: E402


def _stubs(tmp_path, modules):
    d = tmp_path / "stubs"
    d.mkdir()
    for m in modules:
        (d / f"{m}.py").write_text(f"# stub of {m}\n")
    return str(d)


def test_zip_nested_folder_and_result_files(tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    with zipfile.ZipFile(sub / "upload.zip", "w") as zf:
        zf.writestr("my-work/attention.py", "x = 1\n")
        zf.writestr("my-work/deep/attention.py", "x = 2\n")  # the shallower copy wins
        zf.writestr("my-work/run.pretrain.test.predictions", "Paris\n")
        zf.writestr("__MACOSX/my-work/attention.py", "junk\n")
        zf.writestr("../escape.py", "evil\n")
    (sub / "notes.ipynb").write_text("{}")  # would make otter grade a notebook instead
    report = submission.prepare(str(sub), ["attention", "dataset"], _stubs(tmp_path, ["attention", "dataset"]),
                                file_patterns=["*.predictions", "*.params"])
    entry.write(str(sub), ["attention", "dataset"], submission.CODE_DIR, str(tmp_path), str(tmp_path), True)
    top = sorted(os.listdir(sub))
    assert [f for f in top if f.endswith((".py", ".ipynb"))] == [entry.ENTRY]
    code = sub / submission.CODE_DIR
    assert (code / "attention.py").read_text() == "x = 1\n"
    assert (code / "dataset.py").read_text() == "# stub of dataset\n"
    assert report["attention"] == "submitted as upload_unzipped/my-work/attention.py"
    assert report["dataset"].startswith("not submitted")
    assert report["*.params"] == "not submitted"
    files = json.loads((sub / "submitted_files.json").read_text())
    assert list(files) == ["run.pretrain.test.predictions"]
    assert open(files["run.pretrain.test.predictions"]).read() == "Paris\n"
    assert not (tmp_path / "escape.py").exists()
