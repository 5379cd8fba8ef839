"""Part 4, decoder LM and classification (`lm.py`): the data generator, the trusted checks, and
grading through the Gradescope entry point (the `grade` fixture).

No training here: the result tests are graded on the committed reference results
(autograder/calibration/part4_reference/, made by bench/part4.py).
"""
import os
import re
from collections import Counter, defaultdict

import pytest
import torch

from conftest import ROOT, graded_tests
from hwbuild import verify

from hw_support import lm_checks, lm_data

MODULE = "lm"
DATA = os.path.join(ROOT, "assignment", "parts", "decoder_lm", "release", "data")
HIDDEN = os.path.join(ROOT, "autograder", "parts", "decoder_lm")
REFERENCE = os.path.join(HIDDEN, "calibration", "reference_run")
RESULT_FILES = ("lm_params.pt", "sentiment_predictions.txt", "sentiment_scratch_predictions.txt", "lm_metrics_main.json",
                "lm_metrics_tiny.json", "lm_metrics_small.json", "lm_metrics_medium.json", "lm_metrics_large.json")


def hidden_constant(question, name):
    with open(os.path.join(HIDDEN, "tests", question + ".py")) as f:
        return re.search(rf"^{name} = ([0-9.]+)", f.read(), re.M).group(1)


@pytest.fixture(scope="module")
def lm_solution(build, tmp_path_factory):
    path = tmp_path_factory.mktemp("lm_solution") / "lm.py"
    path.write_bytes(build.solutions["lm.py"])
    return verify.import_path("lm_solution_for_tests", str(path))


def failed(tests):
    return [f"{t['name']}: {t['output'][-300:]}" for t in tests if t["status"] != "passed"]


# ---------------------------------------------------------------------------------------------
# The data generator


def test_generators_are_deterministic_and_the_release_data_is_theirs():
    assert lm_data.lm_sentences(50, 7) == lm_data.lm_sentences(50, 7) != lm_data.lm_sentences(50, 8)
    assert lm_data.sentiment_examples(50, 7) == lm_data.sentiment_examples(50, 7)
    assert lm_data.read_lines(os.path.join(DATA, "lm_train.txt")) == lm_data.lm_sentences(
        lm_data.N_LM_TRAIN, lm_data.DATA_SEEDS["lm_train"])
    assert lm_data.read_lines(os.path.join(DATA, "lm_dev.txt")) == lm_data.lm_sentences(
        lm_data.N_LM_DEV, lm_data.DATA_SEEDS["lm_dev"])
    for split, n in (("train", lm_data.N_SENT_TRAIN), ("dev", lm_data.N_SENT_DEV)):
        assert lm_data.read_labelled(os.path.join(DATA, f"sentiment_{split}.tsv")) == lm_data.sentiment_examples(
            n, lm_data.DATA_SEEDS["sentiment_" + split])
    seed = int(hidden_constant("q4_6_classifier", "SENT_TEST_SEED"))
    assert lm_data.read_lines(os.path.join(DATA, "sentiment_test.txt")) == [
        s for s, _ in lm_data.sentiment_examples(lm_data.N_SENT_TEST, seed)]
    assert not any("\t" in l for l in lm_data.read_lines(os.path.join(DATA, "sentiment_test.txt")))  # no labels


def test_every_sentence_fits_the_vocabulary_and_the_block():
    sentences = lm_data.lm_sentences(3000, 11) + [s for s, _ in lm_data.sentiment_examples(3000, 12)]
    for s in sentences:
        ids = lm_data.encode(s)
        assert len(ids) <= lm_data.BLOCK_SIZE and lm_data.decode(ids) == s
    assert lm_data.VOCAB[lm_data.PAD_ID] == "<pad>" and lm_data.PAD_ID == 0  # lm.PAD_ID


def test_sentiment_labels_are_balanced_and_not_a_function_of_the_bag_of_words():
    train = lm_data.sentiment_examples(lm_data.N_SENT_TRAIN, lm_data.DATA_SEEDS["sentiment_train"])
    dev = lm_data.sentiment_examples(lm_data.N_SENT_DEV, lm_data.DATA_SEEDS["sentiment_dev"])
    assert 0.45 < sum(l for _, l in train) / len(train) < 0.55
    # every bag of words has a mirror sentence with the same words and the other label
    by_bag = defaultdict(set)
    for s, label in lm_data.sentiment_examples(20000, 13):
        by_bag[tuple(sorted(s.split()))].add((s, label))
    pairs = [v for v in by_bag.values() if len(v) >= 2]  # both sentences of a bag were drawn
    assert len(pairs) > 1000 and all({l for _, l in v} == {0, 1} for v in pairs)
    # the best bag-of-words rule learned on train (majority label per bag) is near chance on dev
    votes = defaultdict(Counter)
    for s, label in train:
        votes[tuple(sorted(s.split()))][label] += 1
    correct = sum((votes[tuple(sorted(s.split()))].most_common(1) or [(0, 0)])[0][0] == label for s, label in dev)
    assert 0.40 < correct / len(dev) < 0.60, correct / len(dev)
    # whereas word order decides it: the same rule over exact sentences is (near) perfect where seen
    exact = defaultdict(Counter)
    for s, label in train:
        exact[s][label] += 1
    seen = [(s, label) for s, label in dev if s in exact]
    assert len(seen) > 50 and all(exact[s].most_common(1)[0][0] == label for s, label in seen)


# ---------------------------------------------------------------------------------------------
# Trusted checks against the given model


def test_count_formula_of_the_hidden_tests_matches_the_built_models(lm_solution):
    source = open(os.path.join(HIDDEN, "tests", "q4_4_count_parameters.py")).read()
    namespace = {}
    exec(source.split("def _check")[0].split("import random", 1)[1], namespace)  # _closed_form only
    for V, T, L, C, h, K in [(60, 16, 2, 64, 4, None), (60, 16, 2, 64, 4, 2), (7, 3, 0, 4, 2, None),
                             (100, 32, 3, 24, 3, 5), (13, 9, 1, 8, 8, 1)]:
        built = sum(p.numel() for p in lm_solution.DecoderLM(V, T, L, C, h, n_classes=K).parameters())
        assert namespace["_closed_form"](V, T, L, C, K) == built == lm_solution.count_parameters(V, T, L, C, n_classes=K)
        reference = sum(p.numel() for p in lm_checks.ReferenceLM(V, T, L, C, h).parameters())
        assert reference == built - (0 if K is None else K * C + K)


def test_reference_lm_evaluates_decoder_lm_weights_exactly(lm_solution, tmp_path):
    torch.manual_seed(0)
    for pos in (True, False):
        model = lm_solution.DecoderLM(lm_data.VOCAB_SIZE, lm_data.BLOCK_SIZE, 2, 16, 4, n_classes=2, pos_emb=pos).eval()
        lm_checks.randomize(model, 3)
        cfg = dict(vocab_size=lm_data.VOCAB_SIZE, block_size=lm_data.BLOCK_SIZE, n_layer=2, n_embd=16, n_head=4,
                   pos_emb=pos)
        torch.save({"config": cfg, "state_dict": model.state_dict()}, tmp_path / "lm_params.pt")
        ref = lm_checks.load_submitted_lm(str(tmp_path / "lm_params.pt"))
        idx = torch.randint(1, lm_data.VOCAB_SIZE, (3, 12))
        with torch.no_grad():
            assert (ref(idx) - model(idx)[0]).abs().max() < 1e-4


def test_submitted_files_are_read_safely(tmp_path):
    with pytest.raises(AssertionError, match="was not submitted"):
        lm_checks.find_submitted({}, "lm_params.pt")
    bad = tmp_path / "lm_params.pt"
    torch.save({"config": {}, "state_dict": {}, "code": os.system}, bad)  # unpickling it would import code
    with pytest.raises(AssertionError, match="could not be read"):
        lm_checks.load_submitted_lm(str(bad))
    preds = tmp_path / "p.txt"
    preds.write_text("0\n1\n2\n")
    with pytest.raises(AssertionError, match="line 3"):
        lm_checks.read_predictions(str(preds), 3)
    with pytest.raises(AssertionError, match="has 3 labels, expected 4"):
        lm_checks.read_predictions(str(preds), 4)


def test_calibration_report_and_reference_results_agree(build):
    import json
    with open(os.path.join(HIDDEN, "calibration", "report.json")) as f:
        report = json.load(f)
    th = report["thresholds"]
    shipped = json.loads(build.release["hw_support/thresholds.json"])  # what the tests read
    assert shipped["decoder_lm"] == th and json.loads(build.autograder["files/hw_support/thresholds.json"]) == shipped
    assert report["max_cpu_s_default"] <= 300  # wall times on the shared machine are inflated by its load
    model = lm_checks.load_submitted_lm(os.path.join(REFERENCE, "lm_params.pt"))
    assert lm_checks.perplexity(model, lm_data.read_lines(os.path.join(DATA, "lm_dev.txt"))) <= th["DEV_PPL_MAX"]
    assert sum(os.path.getsize(os.path.join(REFERENCE, f)) for f in RESULT_FILES) < 2 << 20


# ---------------------------------------------------------------------------------------------
# Grading through the Gradescope entry point


def write_submission(directory, files):
    directory.mkdir()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return directory


def reference_results():
    return {f: open(os.path.join(REFERENCE, f), "rb").read() for f in RESULT_FILES}


def test_solution_gets_full_marks_on_the_code_tests(build, grade, tmp_path):
    results = grade(write_submission(tmp_path / "solution", {"lm.py": build.solutions["lm.py"]}), only=MODULE)
    tests = [t for t in graded_tests(results) if MODULE in t["tags"]]
    assert len(tests) >= 20 and not failed(tests)
    assert sum(t["score"] for t in tests) == sum(t["max_score"] for t in tests) > 0


def test_stub_scores_zero_on_the_code_tests(build, grade, tmp_path):
    results = grade(write_submission(tmp_path / "stub", {"lm.py": build.release["lm.py"]}), only=MODULE)
    tests = [t for t in graded_tests(results) if MODULE in t["tags"]]
    assert tests and all(t["status"] == "failed" for t in tests)
    assert all("NotImplementedError" in t["output"] for t in tests)


def test_reference_results_get_full_marks(build, grade, tmp_path):
    files = dict(reference_results(), **{"lm.py": build.solutions["lm.py"]})
    results = grade(write_submission(tmp_path / "reference", files), only="submitted_files")
    tests = [t for t in graded_tests(results) if t["number"].startswith("4.")]
    assert len(tests) == 11 and not failed(tests), failed(tests)


def test_bad_or_missing_results_lose_the_result_tests(build, lm_solution, tmp_path):
    """The result questions run in-process (as build.py verify runs questions) on bad files."""
    from hwbuild.verify import run_questions
    questions = [q for q in build.questions if q.name in ("q4_5_lm_results", "q4_6_classifier")]
    (tmp_path / "sentiment_predictions.txt").write_text("".join(f"{i % 2}\n" for i in range(lm_data.N_SENT_TEST)))
    torch.manual_seed(0)
    untrained = lm_solution.DecoderLM(lm_data.VOCAB_SIZE, lm_data.BLOCK_SIZE, 2, 64, 4)
    cfg = dict(vocab_size=lm_data.VOCAB_SIZE, block_size=lm_data.BLOCK_SIZE, n_layer=2, n_embd=64, n_head=4, pos_emb=True)
    torch.save({"config": cfg, "state_dict": untrained.state_dict()}, tmp_path / "lm_params.pt")
    files = {f: str(tmp_path / f) for f in ("lm_params.pt", "sentiment_predictions.txt")}  # no scratch file
    results, problem = run_questions(questions, {"submitted_files": files})
    assert problem is None
    outcome = {name: (ok, msg) for cases in results.values() for name, _, ok, msg in cases}
    lost = sorted(n for n, (ok, _) in outcome.items() if not ok)
    assert [n for n, (ok, _) in outcome.items() if ok] == [
        "lm_params.pt: the language model saved by train_lm.py loads, with the data's vocabulary",
        "sentiment_predictions.txt: one label 0 or 1 per line of data/sentiment_test.txt (fine-tuned model)"], lost
    assert "above the threshold" in outcome["language model: perplexity on held-out test sentences below the "
                                            "calibrated threshold"][1]
    assert "below the threshold" in outcome["fine-tuned classifier: accuracy on the hidden test labels above the "
                                            "calibrated threshold"][1]
    results, _ = run_questions(questions, {"submitted_files": {}})
    assert not any(ok for cases in results.values() for _, _, ok, _ in cases)
