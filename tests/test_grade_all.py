"""`build.py grade-all` and `merge-grades`: Gradescope's export read safely, one CSV row per
submission with per-question points and flags, resumable runs, shards that merge to the whole.

Most tests replace grading.grade with a fake (and use a small fake autograder zip: only its test
file names and grading.json are read); one grades a real export end to end (`--only attention`)."""
import csv
import json
import os
import shutil
import zipfile

import pytest

import build as build_py
from conftest import ROOT
from hwbuild import grades_csv, gradescope_export, grading, zips

NOT_RUN = "Not run: the grader stopped before reaching this test (see the summary at the top)."
QUESTIONS = ["q1_1_select_first", "q1_2_select_all", "q2_1_pairwise_similarities"]
METADATA = """\
submission_1001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1001'
    :email: ada@example.edu
  :created_at: 2026-03-01 12:00:00.000000000 -08:00
  :score: !ruby/object:BigDecimal 18:0.1e2
  :history: []
submission_1002:
  :submitters:
  - :name: Alan Turing
    :sid: '1002'
    :email: alan@example.edu
  - :name: "=HYPERLINK(\\"http://e.invalid\\")"
    :sid: '1003'
  :created_at: 2026-03-02 09:30:00.000000000 -08:00
submission_1004:
  :submitters:
  - :name: "@SUM(1+1)*cmd|' /C calc'!A0"
submission_1006:
  :submitters:
submission_9999:
  :submitters:
  - :name: No Folder
"""


def make_export(path, submissions, metadata=METADATA, top="assignment_77_export/", extra=()):
    """An export zip: {submission folder: {file name: bytes}} under `top`, with the metadata."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(top + "submission_metadata.yml", metadata)
        for folder, files in submissions.items():
            for name, data in files.items():
                zf.writestr(f"{top}{folder}/{name}", data)
        for info, data in extra:
            zf.writestr(info, data)
    return str(path)


SUBMISSIONS = {"submission_1001": {"attention.py": b"good = 1\n"},
               "submission_1002": {"attention.py": b"slow = 1\n"},
               "submission_1004": {"attention.py": b"broken = (\n"}}


@pytest.fixture
def fake_zip(tmp_path):
    files = {f"tests/{q}.py": b"" for q in QUESTIONS}
    files["harness/grading.json"] = json.dumps({"modules": ["attention"], "not_run_message": NOT_RUN}).encode()
    path = tmp_path / "autograder.zip"
    zips.write_zip(str(path), files)
    return str(path)


def test(number, score, max_score=2, output=""):
    return {"name": f"case {number}", "number": number, "score": score, "max_score": max_score,
            "status": "passed" if score == max_score else "failed", "output": output}


test.__test__ = False  # a helper, not a pytest test


def fake_results(submission_path):
    """What the fake grader gives: full marks, a timeout and a test not run, or a crash."""
    code = open(os.path.join(submission_path, "attention.py")).read()
    if code.startswith("broken"):
        raise RuntimeError("the grader wrote no results.json")
    if code.startswith("slow"):
        tests = [test("1.1.1", 2), test("1.1.2", 0, output="timed out after 30 s (while running f)"),
                 test("1.2.1", 0, output="❌ " + NOT_RUN), test("2.1.1", 1, 1)]
    else:
        tests = [test("1.1.1", 2), test("1.1.2", 2), test("1.2.1", 2), test("2.1.1", 1, 1)]
    tests.append({"name": "written", "output": "graded by hand"})  # no max_score: not a question's points
    return {"score": sum(t.get("score", 0) for t in tests), "output": "summary", "tests": tests}


@pytest.fixture
def calls(monkeypatch):
    """grading.grade replaced by fake_results; the list of graded submissions' attention.py."""
    graded = []

    def grade(autograder_zip, submission, only=None, keep_log=None, **kw):
        graded.append(open(os.path.join(submission, "attention.py")).read())
        with open(keep_log, "w") as f:
            f.write("grader output\n")
        return fake_results(submission), "log"

    monkeypatch.setattr(grading, "grade", grade)
    return graded


def grade_all_cli(*args):
    return build_py.main(["grade-all", *map(str, args)])


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_export_metadata_is_read_with_groups_and_missing_fields(tmp_path):
    export = make_export(tmp_path / "export.zip", dict(SUBMISSIONS, submission_1005={"a.py": b""},
                                                       submission_1006={"a.py": b""}))
    subs, notes = gradescope_export.read(export, str(tmp_path / "work"))
    assert [s.id for s in subs] == [f"submission_100{i}" for i in (1, 2, 4, 5, 6)]
    ada, group, _, unknown, empty = subs
    assert ada.submitters == (gradescope_export.Submitter("Ada Lovelace", "1001", "ada@example.edu"),)
    assert ada.created_at.startswith("2026-03-01")
    assert [p.sid for p in group.submitters] == ["1002", "1003"] and group.submitters[1].email == ""
    assert empty.submitters == () == unknown.submitters
    assert any("submission_1005: not in submission_metadata.yml" in n for n in notes)
    assert any("1 submission(s) in submission_metadata.yml have no folder" in n and "submission_9999" in n
               for n in notes)
    assert os.path.isfile(os.path.join(ada.path, "attention.py"))


def test_csv_has_identity_questions_total_and_flags(tmp_path, fake_zip, calls):
    export = make_export(tmp_path / "export.zip", SUBMISSIONS)
    out_csv = tmp_path / "grades.csv"
    assert grade_all_cli(export, "--csv", out_csv, "--autograder", fake_zip) == 0
    with open(out_csv) as f:
        header = next(csv.reader(f))
    assert header == grades_csv.IDENTITY + QUESTIONS + ["total", "timed_out", "crashed", "not_run"]
    rows = {r["submission"]: r for r in read_csv(out_csv)}
    assert list(rows) == sorted(rows)
    good, slow, broken = rows["submission_1001"], rows["submission_1002"], rows["submission_1004"]
    assert (good["q1_1_select_first"], good["q1_2_select_all"], good["q2_1_pairwise_similarities"]) == ("4", "2", "1")
    assert good["total"] == "7" and (good["timed_out"], good["crashed"], good["not_run"]) == ("0", "0", "0")
    assert slow["names"] == 'Alan Turing; =HYPERLINK("http://e.invalid")'  # starts with text: no formula
    assert broken["names"] == "'@SUM(1+1)*cmd|' /C calc'!A0"  # a spreadsheet shows it as text
    assert slow["sids"] == "1002; 1003" and slow["emails"] == "alan@example.edu; "
    assert (slow["q1_1_select_first"], slow["q1_2_select_all"], slow["total"]) == ("2", "0", "3")
    assert (slow["timed_out"], slow["crashed"], slow["not_run"]) == ("1", "0", "1")
    assert broken["total"] == "0" and broken["crashed"] == "1" and broken["q1_1_select_first"] == "0"
    error = tmp_path / "grades_results" / "submission_1004" / "error.txt"
    assert "the grader wrote no results.json" in error.read_text()
    assert "submission_1004: grading failed" in (tmp_path / "grades_results" / "grade-all.log").read_text()


def test_rerun_skips_what_is_graded_and_regrades_what_changed(tmp_path, fake_zip, calls):
    export = tmp_path / "export"
    with zipfile.ZipFile(make_export(tmp_path / "export.zip", SUBMISSIONS)) as zf:
        zf.extractall(export)  # the extracted export folder: our own test data
    args = (export, "--csv", tmp_path / "g.csv", "--out", tmp_path / "results", "--autograder", fake_zip)
    assert grade_all_cli(*args) == 0 and len(calls) == 3
    first = (tmp_path / "g.csv").read_bytes()
    calls.clear()
    assert grade_all_cli(*args) == 0
    assert calls == ["broken = (\n"]  # only the crash (no results.json, no stamp) is tried again
    assert (tmp_path / "g.csv").read_bytes() == first
    (export / "assignment_77_export" / "submission_1001" / "notes.txt").write_text("changed")
    calls.clear()
    assert grade_all_cli(*args) == 0 and sorted(calls) == ["broken = (\n", "good = 1\n"]
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(fake_zip) as src, zipfile.ZipFile(other_zip, "w") as dst:
        for i in src.infolist():
            dst.writestr(i, src.read(i))
        dst.writestr("harness/new.txt", "a new autograder")
    calls.clear()
    assert grade_all_cli(*args[:-1], other_zip) == 0 and len(calls) == 3  # another zip: all regraded


def test_shards_merge_to_the_unsharded_csv(tmp_path, fake_zip, calls):
    export = make_export(tmp_path / "export.zip", SUBMISSIONS)
    assert grade_all_cli(export, "--csv", tmp_path / "all.csv", "--autograder", fake_zip) == 0
    shards = []
    for k in (1, 2):
        shards.append(tmp_path / f"shard{k}.csv")
        assert grade_all_cli(export, "--csv", shards[-1], "--shard", f"{k}/2", "--autograder", fake_zip) == 0
    assert [len(read_csv(s)) for s in shards] == [2, 1]
    assert build_py.main(["merge-grades", *map(str, shards), "--csv", str(tmp_path / "merged.csv")]) == 0
    assert (tmp_path / "merged.csv").read_bytes() == (tmp_path / "all.csv").read_bytes()
    with pytest.raises(SystemExit, match="submission submission_1001 is in both"):
        build_py.main(["merge-grades", str(shards[0]), str(tmp_path / "all.csv"), "--csv", str(tmp_path / "x.csv")])
    other = tmp_path / "other.csv"
    other.write_text((tmp_path / "all.csv").read_text().replace("q1_2_select_all", "q1_2_renamed"))
    with pytest.raises(SystemExit, match="columns differ.*extra q1_2_renamed; missing q1_2_select_all"):
        build_py.main(["merge-grades", str(shards[0]), str(other), "--csv", str(tmp_path / "x.csv")])
    for bad in ("0/2", "3/2", "x"):
        with pytest.raises(SystemExit, match="--shard"):
            grade_all_cli(export, "--csv", tmp_path / "x.csv", "--shard", bad, "--autograder", fake_zip)


def test_hostile_export_entries_are_skipped_and_nothing_escapes(tmp_path, fake_zip, calls):
    link = zipfile.ZipInfo("assignment_77_export/submission_1001/link.py")
    link.external_attr = 0o120777 << 16  # a symlink entry pointing outside
    export = make_export(tmp_path / "export.zip", SUBMISSIONS, extra=[
        ("assignment_77_export/../../escaped.py", b"x"), ("/abs_escaped.py", b"x"), (link, b"/etc/passwd")])
    subs, notes = gradescope_export.read(export, str(tmp_path / "work"))
    assert [s.id for s in subs] == ["submission_1001", "submission_1002", "submission_1004"]
    assert any("2 entries skipped (unsafe paths)" in n for n in notes)
    assert any("1 entry skipped (links or special files)" in n for n in notes)
    assert not os.path.lexists(os.path.join(subs[0].path, "link.py"))
    assert not any(p.name.endswith("escaped.py") for p in tmp_path.rglob("*"))

    plain = tmp_path / "plain"
    (plain / "alice").mkdir(parents=True)
    (plain / "alice" / "attention.py").write_text("good = 1\n")
    os.symlink(plain / "alice", plain / "linked")  # a linked folder is never followed
    os.symlink("/etc/passwd", plain / "passwd.py")
    (plain / "notes.txt").write_text("not a submission")
    subs, notes = gradescope_export.read(str(plain), str(tmp_path / "work2"))
    assert [s.id for s in subs] == ["alice"]
    assert sorted(n.split(":")[0] for n in notes) == ["linked", "notes.txt", "passwd.py"]

    evil = tmp_path / "evil.zip"  # YAML that would construct Python objects is refused
    make_export(evil, SUBMISSIONS, metadata="submission_1001: !!python/object/apply:os.system ['touch pwned']\n")
    with pytest.raises(SystemExit, match="submission_metadata.yml is not valid YAML"):
        grade_all_cli(evil, "--csv", tmp_path / "x.csv", "--autograder", fake_zip)
    (tmp_path / "not_a_zip.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(SystemExit, match="neither a folder nor a zip"):
        grade_all_cli(tmp_path / "not_a_zip.zip", "--csv", tmp_path / "x.csv", "--autograder", fake_zip)
    assert not calls


def test_real_export_graded_end_to_end(tmp_path, autograder_zip):
    """Solution, stub and a syntax error graded by the real autograder (attention's tests, 2 jobs)."""
    sol = open(os.path.join(ROOT, "solutions", "attention.py"), "rb").read()
    stub = open(os.path.join(ROOT, "student_release", "attention.py"), "rb").read()
    export = make_export(tmp_path / "export.zip", {"submission_1001": {"attention.py": sol},
                                                  "submission_1002": {"attention.py": stub},
                                                  "submission_1004": {"attention.py": b"def broken(:\n"}})
    out_csv = tmp_path / "grades.csv"
    assert grade_all_cli(export, "--csv", out_csv, "--jobs", 2, "--only", "attention",
                         "--autograder", autograder_zip) == 0
    rows = {r["submission"]: r for r in read_csv(out_csv)}
    questions = grading.questions(autograder_zip, only="attention")
    assert questions and all(q in rows["submission_1001"] for q in questions)
    results = json.load(open(tmp_path / "grades_results" / "submission_1001" / "results.json"))
    possible = sum(t["max_score"] for t in results["tests"] if "max_score" in t)
    assert float(rows["submission_1001"]["total"]) == possible > 0
    assert sum(float(rows["submission_1001"][q]) for q in questions) == possible
    assert rows["submission_1002"]["total"] == "0" == rows["submission_1004"]["total"]
    assert rows["submission_1001"]["names"] == "Ada Lovelace"
    assert all(r["crashed"] == "0" and r["timed_out"] == "0" and r["not_run"] == "0" for r in rows.values())
    graded = tmp_path / "grades_results" / "submission_1001" / "results.json"
    before = graded.stat().st_mtime_ns
    shutil.rmtree(tmp_path / "grades_results" / "submission_1004")  # resumes: only that one is graded again
    assert grade_all_cli(export, "--csv", tmp_path / "again.csv", "--out", tmp_path / "grades_results",
                         "--only", "attention", "--autograder", autograder_zip) == 0
    assert (tmp_path / "again.csv").read_bytes() == out_csv.read_bytes()
    assert graded.stat().st_mtime_ns == before
