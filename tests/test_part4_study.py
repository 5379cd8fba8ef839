"""Part 4's study (issue 17): the sizes, train_lm.py --size, and the checks of the submitted metrics
files (q4_11), run in-process on the committed reference run and on files made bad on purpose.

Training here is a few steps of the tiny model (seconds); the full study's times are measured by
bench/part4_study.py.
"""
import json
import math
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from hwbuild import verify
from hwbuild.verify import run_questions

from hw_support import lm_data, lm_metrics_checks, lm_sizes

REFERENCE = os.path.join(ROOT, "autograder", "parts", "decoder_lm", "calibration", "reference_run")
STUDY_FILES = ["lm_params.pt", "lm_metrics_main.json"] + [lm_sizes.metrics_name(s) for s in lm_sizes.SIZES]


@pytest.fixture(scope="module")
def lm_solution(build, tmp_path_factory):
    path = tmp_path_factory.mktemp("lm_solution_study") / "lm.py"
    path.write_bytes(build.solutions["lm.py"])
    return verify.import_path("lm_solution_for_study_tests", str(path))


@pytest.fixture(scope="module")
def release(build, tmp_path_factory):
    """Part 4's release files with the solution's lm.py."""
    d = tmp_path_factory.mktemp("release4")
    for name, data in list(build.release.items()) + [("lm.py", build.solutions["lm.py"])]:
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return d


def test_the_four_sizes_fall_in_their_ranges_by_every_count(lm_solution):
    V, T = lm_data.VOCAB_SIZE, lm_data.BLOCK_SIZE
    for size, spec in lm_sizes.SIZES.items():
        L, C, h = spec["n_layer"], spec["n_embd"], spec["n_head"]
        built = sum(p.numel() for p in lm_solution.DecoderLM(V, T, L, C, h).parameters())
        assert built == lm_metrics_checks.count_lm_parameters(V, T, L, C) == lm_solution.count_parameters(V, T, L, C)
        assert lm_sizes.in_range(size, built), (size, built)
        assert [s for s in lm_sizes.SIZES if lm_sizes.in_range(s, built)] == [size]  # the ranges do not overlap


def test_study_run_writes_its_metrics(release, tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "train_lm.py", "--size", "tiny", "--num-train", "64", "--max-steps", "6", "--out", str(out),
           "--no-progress", "--device", "cpu"]
    proc = subprocess.run(cmd, cwd=release, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(out)) == ["lm_metrics_tiny_n64.json"]  # a study run writes nothing else
    m = json.loads((out / "lm_metrics_tiny_n64.json").read_text())
    assert m["size"] == "tiny" and m["num_train"] == 64 and m["steps"] == 6 and m["steps_per_epoch"] == 2
    assert [e["step"] for e in m["epochs"]] == [2, 4, 6]
    assert all(0 < e["dev_nll"] < 2 * math.log(lm_data.VOCAB_SIZE) and 0 <= e["dev_acc"] <= 1 for e in m["epochs"])
    assert sorted(m["samples"], key=int) == ["1", "2", "3"] and all(len(s) == 5 for s in m["samples"].values())
    assert list(m["temperature_sweep"]) == ["0.01", "0.1", "0.5", "0.8", "1.0"]
    assert m["n_parameters"] == lm_metrics_checks.count_lm_parameters(60, 16, 2, 48)
    metrics = lm_metrics_checks.read_metrics({"f.json": str(out / "lm_metrics_tiny_n64.json")}, "f.json")
    lm_metrics_checks.check_size(metrics, "tiny")


def test_metrics_files_are_read_safely(tmp_path):
    good = json.loads(open(os.path.join(REFERENCE, "lm_metrics_tiny.json")).read())
    cases = {
        "not JSON": ("{'size': 'tiny'", "is not a JSON file"),
        "a list": ("[1, 2]", "should hold a JSON object"),
        "nested": ("[" * 100_000 + "]" * 100_000, "is not a JSON file|should hold"),
        "NaN": (json.dumps(dict(good, epochs=[{"step": 1, "dev_nll": float("nan"), "dev_acc": 0.5}])), "not a finite"),
        "a bool": (json.dumps(dict(good, epochs=[{"step": True, "dev_nll": 1.0, "dev_acc": 0.5}])), "is not a number"),
        "no config": (json.dumps({"epochs": good["epochs"]}), "has no config"),
        "other vocabulary": (json.dumps(dict(good, config=dict(good["config"], vocab_size=61))), "does not fit the data"),
        "no epochs": (json.dumps(dict(good, epochs=[])), "should list the evaluations"),
    }
    for what, (text, message) in cases.items():
        path = tmp_path / "m.json"
        path.write_text(text)
        with pytest.raises(AssertionError, match=message):
            lm_metrics_checks.read_metrics({"m.json": str(path)}, "m.json")
    os.symlink(os.path.join(REFERENCE, "lm_metrics_tiny.json"), tmp_path / "link.json")
    with pytest.raises(AssertionError, match="was not submitted"):  # a link is not a regular file
        lm_metrics_checks.read_metrics({"link.json": str(tmp_path / "link.json")}, "link.json")


def _outcome(build, files):
    questions = [q for q in build.questions if q.name == "q4_11_study_metrics"]
    results, problem = run_questions(questions, {"submitted_files": files})
    assert problem is None
    return {name: (ok, msg) for cases in results.values() for name, _, ok, msg in cases}


def _failing(outcome):
    return sorted(n.split(":")[0] for n, (ok, _) in outcome.items() if not ok)


def test_reference_study_passes_and_bad_studies_lose_their_tests(build, tmp_path):
    files = {}
    for f in STUDY_FILES:
        shutil.copy(os.path.join(REFERENCE, f), tmp_path / f)
        files[f] = str(tmp_path / f)
    assert _failing(_outcome(build, files)) == []

    def edited(name, change):
        d = tmp_path / f"edit_{len(os.listdir(tmp_path))}"
        d.mkdir()
        data = json.loads(open(files[name]).read())
        change(data)
        (d / name).write_text(json.dumps(data))
        return dict(files, **{name: str(d / name)})

    large_as_medium = edited("lm_metrics_large.json", lambda m: m["config"].update(n_layer=4, n_embd=320, n_head=5))
    assert _failing(_outcome(build, large_as_medium)) == ["study"]
    rising = edited("lm_metrics_small.json", lambda m: m["epochs"][-1].update(dev_nll=m["epochs"][0]["dev_nll"] + 0.1))
    out = _outcome(build, rising)
    assert _failing(out) == ["study"] and "did not decrease" in " ".join(msg for _, msg in out.values())
    wrong_nll = edited("lm_metrics_main.json", lambda m: m["epochs"][-1].update(dev_nll=m["epochs"][-1]["dev_nll"] * 0.9))
    assert _failing(_outcome(build, wrong_nll)) == ["lm_metrics_main.json"]
    wrong_acc = edited("lm_metrics_main.json", lambda m: m["epochs"][-1].update(dev_acc=m["epochs"][-1]["dev_acc"] - 0.05))
    assert _failing(_outcome(build, wrong_acc)) == ["lm_metrics_main.json"]
    other_config = edited("lm_metrics_main.json", lambda m: m["config"].update(n_embd=32))
    assert _failing(_outcome(build, other_config)) == ["lm_metrics_main.json"]
    nothing = _outcome(build, {})  # the release as it ships: no result files, no points
    assert nothing and not any(ok for ok, _ in nothing.values())
    missing = {k: v for k, v in files.items() if k != "lm_metrics_medium.json"}
    out = _outcome(build, missing)
    assert _failing(out) == ["lm_metrics_<size>.json of tiny, small, medium and large", "study", "study"]
    assert all("lm_metrics_medium.json was not submitted" in msg for ok, msg in out.values() if not ok)


def test_calibration_report_describes_the_reference_study():
    with open(os.path.join(REFERENCE, "..", "report.json")) as f:
        report = json.load(f)
    runs = {r["name"]: r for r in report["study"]}
    assert set(lm_sizes.SIZES) <= set(runs)
    assert sum(runs[s]["wall_s"] for s in lm_sizes.SIZES) <= 20 * 60  # issue 17's CPU budget for the four sizes
    for size in lm_sizes.SIZES:
        with open(os.path.join(REFERENCE, lm_sizes.metrics_name(size))) as f:
            m = json.load(f)
        assert m["epochs"] == runs[size]["epochs"] and m["n_parameters"] == runs[size]["n_parameters"]
    with open(os.path.join(REFERENCE, "lm_metrics_main.json")) as f:
        main = json.load(f)
    assert abs(math.exp(main["epochs"][-1]["dev_nll"]) - report["reference_rerun"]["dev_ppl"]) < 1e-3
