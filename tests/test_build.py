"""build.py: reproducible outputs, --check, malformed input, and a release with no secrets."""
import json
import os
import re
import subprocess
import sys
import zipfile

from conftest import ROOT, run_build


def test_two_builds_give_byte_identical_zips(tmp_path, repo_copy):
    for out in ("a", "b"):
        r = run_build(repo_copy, "--dist", str(tmp_path / out))
        assert r.returncode == 0, r.stderr
    for name in ("autograder.zip", "student_release.zip"):
        a, b = (tmp_path / d / name for d in ("a", "b"))
        assert a.read_bytes() == b.read_bytes(), name


def test_build_runs_from_any_directory(tmp_path):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "--check"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_autograder_zip_layout_and_permissions(build, autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    for required in ("run_autograder", "setup.sh", "run_otter.py", "otter_config.json", "requirements.txt",
                     "harness/grading.json", "files/hw_support/loader.py"):
        assert required in infos, required
    assert infos["run_autograder"].external_attr >> 16 & 0o777 == 0o755
    assert infos["setup.sh"].external_attr >> 16 & 0o777 == 0o755
    assert infos["tests/q2_7_self_attention.py"].external_attr >> 16 & 0o777 == 0o644
    assert {i.date_time for i in infos.values()} == {(1980, 1, 1, 0, 0, 0)}
    assert list(infos) == sorted(infos)
    assert "environment.yml" not in infos  # otter's conda environment is not built (hwbuild/image.py)
    requirements = build.autograder["requirements.txt"].decode()
    assert "torch==2.13.0+cpu" in requirements and "whl/cpu" in requirements


def test_committed_generated_files_are_fresh():
    r = run_build(ROOT, "--check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_names_a_stale_file(repo_copy):
    stub = repo_copy / "student_release" / "attention.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    (repo_copy / "solutions" / "extra.py").write_text("x = 1\n")
    r = run_build(repo_copy, "--check")
    assert r.returncode == 1
    assert "student_release/attention.py" in r.stdout and "solutions/extra.py" in r.stdout


def _expect_build_error(repo, pattern):
    r = run_build(repo, "--dist", str(repo / "dist"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert re.search(pattern, r.stderr), r.stderr


def test_unbalanced_marker_fails_with_file_and_line(repo_copy):
    master = repo_copy / "assignment" / "parts" / "attention_from_scratch" / "attention.py"
    lines = master.read_text().splitlines(keepends=True)
    end = next(i for i, l in enumerate(lines) if "# END SOLUTION" in l)
    del lines[end]
    master.write_text("".join(lines))
    _expect_build_error(repo_copy, r"assignment/parts/attention_from_scratch/attention\.py:\d+: BEGIN SOLUTION inside the SOLUTION block")


def test_solution_block_in_public_test_fails(repo_copy):
    t = repo_copy / "assignment" / "parts" / "attention_from_scratch" / "tests" / "q2_1_pairwise_similarities.py"
    t.write_text(t.read_text() + "\n# BEGIN SOLUTION\n# END SOLUTION\n")
    _expect_build_error(repo_copy, r"assignment/parts/attention_from_scratch/tests/q2_1_pairwise_similarities\.py:\d+: solution/prompt markers")


def test_graded_name_missing_from_stub_fails(repo_copy):
    t = repo_copy / "assignment" / "parts" / "attention_from_scratch" / "tests" / "q2_1_pairwise_similarities.py"
    t.write_text(t.read_text().replace("attention.pairwise_similarities(", "attention.pairwise_similarity("))
    _expect_build_error(repo_copy, r"q2_1_pairwise_similarities\.py:\d+: the tests use attention\.pairwise_similarity,")


def test_hidden_case_in_public_tests_fails(repo_copy):
    t = repo_copy / "assignment" / "parts" / "attention_from_scratch" / "tests" / "q2_2_attn_scaled.py"
    t.write_text(t.read_text().replace("points=1)", "points=1, hidden=True)"))
    _expect_build_error(repo_copy, r"assignment/parts/attention_from_scratch/tests/q2_2_attn_scaled\.py:\d+: .*hidden cases belong in autograder/parts/<part>/tests/")


def test_hidden_file_copied_into_release_fails(repo_copy):
    src = repo_copy / "autograder" / "parts" / "attention_from_scratch" / "tests" / "q2_2_attn_scaled.py"
    (repo_copy / "assignment" / "common" / "release" / "extra_tests.py").write_bytes(src.read_bytes())
    _expect_build_error(repo_copy, r"student_release/extra_tests\.py:1: is a copy of an autograder file")


def test_release_has_no_hidden_test_and_no_solution(build):
    hidden = {c.function for q in build.questions for c in q.cases if c.hidden}
    assert hidden
    solution_lines = {l.strip() for l in build.solutions["attention.py"].decode().splitlines()} - \
        {l.strip() for l in build.release["attention.py"].decode().splitlines()}
    assert any("transpose" in l for l in solution_lines)
    for name, data in build.release.items():
        text = data.decode("utf-8", errors="replace")  # binary files too (Part 5's model weights)
        assert "hidden=True" not in text, name
        assert not any(f"def {fn}(" in text for fn in hidden), name
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, name
        if name.endswith(".py"):
            assert not {l.strip() for l in text.splitlines()} & {l for l in solution_lines if l}, name
    assert not any(n.startswith(("autograder", "harness")) for n in build.release)


def test_every_graded_function_has_a_stub_prompt(build):
    stub = build.release["attention.py"].decode()
    for fn in ("pairwise_similarities", "attn_scaled", "attn_softmax", "compute_outputs", "make_causal_mask",
               "apply_causal_mask", "split_heads", "merge_heads", "self_attention"):
        assert f"raise NotImplementedError('{fn}: " in stub, fn
    assert "def init_qkv_proj" in stub and "nn.Linear(n_embd, n_embd)" in stub  # given code stays


def test_points_printed_per_part(tmp_path, repo_copy):
    r = run_build(repo_copy, "--dist", str(tmp_path))
    assert re.search(r"Part 2 Attention from scratch: \d+ / \d+", r.stdout), r.stdout
    assert os.path.exists(tmp_path / "autograder.zip")


def test_unknown_or_mistyped_grading_setting_fails_naming_it(repo_copy):
    settings = repo_copy / "autograder" / "grading.yml"
    original = settings.read_text()
    settings.write_text(original + "  memroy_mb: 512\n")  # a typo under sandbox:
    _expect_build_error(repo_copy, r"autograder/grading\.yml:1: .*sandbox: unknown setting\(s\) memroy_mb")
    settings.write_text(original + "total_time_limit: soon\n")
    _expect_build_error(repo_copy, r"autograder/grading\.yml:1: .*total_time_limit must be of type int")


def test_harness_settings_defaults_live_in_one_place(build):
    import sys
    sys.path.insert(0, os.path.join(ROOT, "autograder", "harness"))
    from settings import Settings

    loaded = Settings.from_dict(json.loads(build.autograder["harness/grading.json"]))
    assert loaded.sandbox.limit_for("q3_3_accuracy") == 120 and loaded.sandbox.limit_for("q2_1_x") == 30
    assert loaded.modules == build.assignment.modules and loaded.total_time_limit == 540
    given = [m for p in build.assignment.parts for m in p.given]
    assert "model" in given and loaded.given_modules == given and not set(given) & set(loaded.modules)
    assert [q["name"] for q in loaded.manual_questions][:2] == ["1.1 Selecting one value", "1.2 Selecting every value"]
    assert sum(q["points"] for q in loaded.manual_questions) == \
        sum(w["points"] for p in build.assignment.parts for w in p.written()) > 24
