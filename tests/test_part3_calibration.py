"""Part 3's calibration report (autograder/parts/pretraining/calibration/): thresholds over every run,
the span-corruption variants' runs among them, calibrate.check; run.py's thread default. No training here."""
import types

import pytest

from hwbuild.parts import hidden_module

experiment = hidden_module("pretraining", "calibration/experiment.py")
calibrate = hidden_module("pretraining", "calibration/calibrate.py")
RUNS = ["vanilla.pretrain", "synthesizer.pretrain", "vanilla.pretrain.probe", "synthesizer.pretrain.probe"]


def _run(seed, span, acc, nopretrain=True):
    out = {"seed": seed, "span_corruption": span, "walls": {}, "probe": {}, "wall_total_s": 60.0,
           "acc": {f"{r}.{split}": acc for r in RUNS for split in ("dev", "test")}}
    out["acc"].update({"baseline.dev": 5.0, "baseline.test": 5.0})
    if nopretrain:
        out["acc"].update({f"{v}.nopretrain{p}.{split}": 0.0 for v in ("vanilla", "synthesizer")
                           for p in ("", ".probe") for split in ("dev", "test")})
    return out


def test_span_variants_are_catalog_alternatives_of_getitem():
    with open(experiment.pipeline.ROOT + "/solutions/dataset.py", encoding="utf-8") as f:
        solution = f.read()
    build = types.SimpleNamespace(solutions={"dataset.py": solution.encode()})
    sources = {v: experiment.span_variant_source(build, v).decode() for v in experiment.SPAN_VARIANTS}
    assert len(sources) >= 2 and len(set(sources.values())) == len(sources)
    for source in sources.values():
        assert source != solution and "def __getitem__" in source
        compile(source, "dataset.py", "exec")


def test_a_variant_run_below_the_reference_runs_sets_the_thresholds():
    runs = [_run(0, "reference", 30.0), _run(1, "reference", 28.0), _run(0, "Gaussian", 20.0, nopretrain=False)]
    th = experiment.thresholds(runs, n_test=150)
    se = 100 * (0.2 * 0.8 / 150) ** 0.5
    assert th["vanilla.pretrain"] == int(2 * min(20 - 3 * se, 10)) / 2  # the worst run is the variant's
    report = {"runs": runs, "thresholds": th, "data_seed": 0, "n_test": 150, "margin_rule": experiment.MARGIN_RULE,
              "margin_note": experiment.margin_note(runs, th, 150),
              "machine": {"processor": "x", "cpus": 2, "torch": "t", "cuda": False}}
    text = experiment.markdown(report)
    assert "| span corruption |" in text and "| 0 | Gaussian |" in text and "over 3 run(s)" in text


def test_check_reads_never_pretrained_runs_of_the_reference_only_and_wants_qa_over_twice_the_baseline():
    answers = ["Alpha", "Beta"]
    build = types.SimpleNamespace(
        questions=[types.SimpleNamespace(name="q3_3_accuracy", source=f"DATA_SEED = 0\nTEST_ANSWERS = {answers}\n")],
        solutions={f"{r}.test.predictions": b"Alpha\nBeta\n" for r in ("vanilla.pretrain", "synthesizer.pretrain")})
    runs = [_run(0, "reference", 30.0), _run(0, "Gaussian", 25.0, nopretrain=False)]
    report = {"data_seed": 0, "runs": runs, "thresholds": experiment.thresholds(runs, n_test=150)}
    ok, message = calibrate.check(build, report)
    assert ok, message
    runs[0]["acc"]["vanilla.nopretrain.probe.test"] = 99.0  # a never-pretrained model reaching the probe threshold
    ok, message = calibrate.check(build, report)
    assert not ok and "never-pretrained" in message
    runs[0]["acc"]["vanilla.nopretrain.probe.test"] = 0.0
    runs.append(_run(1, "Gaussian", 15.0, nopretrain=False))  # a weak run: the QA threshold falls to 7.5%
    report["thresholds"] = experiment.thresholds(runs, n_test=150)
    ok, message = calibrate.check(build, report)
    assert not ok and "below 2x the most-common-place baseline (5.0%)" in message, message


def test_run_py_thread_default_leaves_room_for_a_second_run(monkeypatch):
    """Two run.py side by side (two terminals) never ask for more threads than there are cores."""
    import torch
    from hwbuild.variants import import_path
    utils = import_path("part3_release_utils", experiment.pipeline.ROOT + "/assignment/parts/pretraining/release/utils.py")
    before = torch.get_num_threads()
    try:
        for cores, expected in ((1, 1), (2, 1), (4, 2), (16, 4)):
            monkeypatch.setattr(utils.os, "cpu_count", lambda: cores)
            utils.set_threads()
            assert torch.get_num_threads() == expected and 2 * expected <= max(2, cores)
        utils.set_threads(3)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_reused_pretraining_is_copied_with_its_logged_time_steps_and_loss(tmp_path):
    """calibrate --pretrained: a checkpoint of an earlier calibration stands in for pretraining, with the
    wall time, steps and loss its log recorded; none there: pretrain; a checkpoint without its log: an error."""
    earlier, work = tmp_path / "seed0A", tmp_path / "work"
    earlier.mkdir(), work.mkdir()
    (earlier / "vanilla.pretrain.params").write_bytes(b"weights")
    (earlier / "calibrate_seed0A.log").write_text(
        "$ pretrain vanilla data/wiki.txt --seed 0  (706.7 s wall, 653.3 s CPU so far)\n"
        "data has 66995 characters, 48 unique.\npretrained 11500 steps in 703 s, final loss 0.625\n")
    assert experiment.reuse_pretrained(str(work), str(earlier), "vanilla") == (706.7, 11500, 0.625)
    assert (work / "vanilla.pretrain.params").read_bytes() == b"weights"
    assert experiment.reuse_pretrained(str(work), str(earlier), "synthesizer") is None
    assert experiment.reuse_pretrained(str(work), None, "vanilla") is None
    (earlier / "calibrate_seed0A.log").write_text("nothing\n")
    with pytest.raises(ValueError, match="no log of the pretraining of vanilla"):
        experiment.reuse_pretrained(str(work), str(earlier), "vanilla")
