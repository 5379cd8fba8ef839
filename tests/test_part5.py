"""Part 5, fine-tuning with Hugging Face (`finetune.py`): the data generator, the grader's plain-torch
RoBERTa and tokenizer against transformers, the guarded safetensors reader, and the result questions on
the committed reference run and on bad files (in-process, as `build.py verify` runs questions).

No training here: the pretrained model and the reference run are made by `python build.py calibrate 5`.
"""
import json
import os
import re
import struct

import pytest
import torch

from conftest import ROOT
from hwbuild.parts import hidden_module

from hw_support import ft_checks, roberta_ref
from hw_support.safetensors_files import load_safetensors_file

PART = os.path.join(ROOT, "assignment", "parts", "hf_finetune")
DATA = os.path.join(PART, "release", "data")
HIDDEN = os.path.join(ROOT, "autograder", "parts", "hf_finetune")
REFERENCE = os.path.join(HIDDEN, "calibration", "reference_run")
RESULT_QUESTIONS = ("q5_6_results",)
gen = hidden_module("hf_finetune", "generate_data.py")


def test_release_data_and_hidden_labels_are_the_generators():
    data = gen.generate(gen.current_seed())
    for name, text in gen.release_files(data).items():
        with open(os.path.join(DATA, name), encoding="utf-8") as f:
            assert f.read() == text, f"data/{name} is not generate_data's: run `python build.py --data-seed N`"
    with open(gen.HIDDEN_TEST, encoding="utf-8") as f:
        block = f.read()
    assert gen.hidden_block(data) in block
    assert gen.generate(1)["test"] != data["test"]


def test_rare_polarity_words_never_occur_in_the_labelled_training_set():
    data = gen.generate(0)
    rare = set(gen.POS_RARE + gen.NEG_RARE)
    common = set(gen.POS_COMMON + gen.NEG_COMMON)
    train_words = {w for t, _ in data["train"] for w in t.split()}
    assert not train_words & rare and common <= train_words
    for split in ("validation", "test"):
        words = {w for t, _ in data[split] for w in t.split()}
        assert rare <= words and not words & common
    corpus = {w for t in data["corpus"] for w in t.split()}
    assert rare | common <= corpus
    labels = [y for _, y in data["test"]]
    assert 0.4 < sum(labels) / len(labels) < 0.6


def test_plain_torch_roberta_equals_transformers():
    from transformers import RobertaConfig, RobertaForSequenceClassification
    cfg = ft_checks.tiny_config()
    state = ft_checks.random_state(cfg, 3)
    model = RobertaForSequenceClassification(RobertaConfig(**cfg)).eval()
    missing, _ = model.load_state_dict(state, strict=False)
    assert not missing
    batch = ft_checks.random_batches(3, [5])[0]
    with torch.no_grad():
        expected = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    got = roberta_ref.logits(state, roberta_ref.check_config(cfg), batch["input_ids"], batch["attention_mask"])
    assert (got - expected).abs().max() < 1e-5


def test_grader_tokenization_equals_the_release_tokenizer():
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(os.path.join(DATA, "pretrained"))
    texts = ft_checks.sentences(20, 5, 1, 30)
    for max_length in (6, 48):
        enc = tok(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        ids, mask = ft_checks.encode(texts, max_length)
        assert torch.equal(enc["input_ids"], ids) and torch.equal(enc["attention_mask"], mask)
    with open(os.path.join(DATA, "pretrained", "tokenizer.json"), "rb") as a, open(ft_checks.TOKENIZER_FILE, "rb") as b:
        assert a.read() == b.read()


def _safetensors(path, header, body):
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + body)
    return str(path)


def test_safetensors_reader_reads_save_file_and_refuses_malformed_files(tmp_path):
    from safetensors.torch import save_file
    tensors = {"a": torch.randn(3, 4), "b": torch.arange(5), "c": torch.zeros(0)}
    save_file(tensors, str(tmp_path / "ok.safetensors"))
    got = load_safetensors_file(str(tmp_path / "ok.safetensors"), 1)
    assert set(got) == set(tensors) and all(torch.equal(got[k], v) for k, v in tensors.items())
    f32 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    cases = {
        "overlap": ({"x": f32, "y": f32}, bytes(8), "overlap"),
        "size": ({"x": {"dtype": "F32", "shape": [1000000], "data_offsets": [0, 8]}}, bytes(8), "does not match"),
        "dtype": ({"x": {"dtype": "OBJ", "shape": [2], "data_offsets": [0, 8]}}, bytes(8), "malformed"),
        "trailing": ({"x": f32}, bytes(16), "after its last tensor"),
        "negative": ({"x": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, bytes(8), "malformed"),
    }
    for name, (header, body, message) in cases.items():
        with pytest.raises(AssertionError, match=message):
            load_safetensors_file(_safetensors(tmp_path / f"{name}.safetensors", header, body), 1)
    (tmp_path / "big.safetensors").write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(AssertionError, match="header length"):
        load_safetensors_file(str(tmp_path / "big.safetensors"), 1)
    os.symlink(tmp_path / "ok.safetensors", tmp_path / "link.safetensors")
    with pytest.raises(AssertionError, match="link"):
        load_safetensors_file(str(tmp_path / "link.safetensors"), 1)
    torch.save({"a": torch.zeros(2)}, tmp_path / "pickled.safetensors")  # a torch.save file is not safetensors
    with pytest.raises(AssertionError):
        load_safetensors_file(str(tmp_path / "pickled.safetensors"), 1)


def _result_outcomes(build, files):
    from hwbuild.verify import run_questions
    questions = [q for q in build.questions if q.name in RESULT_QUESTIONS]
    results, problem = run_questions(questions, {"submitted_files": files})
    assert problem is None
    return {name: (ok, msg) for cases in results.values() for name, _, ok, msg in cases}


def test_reference_run_passes_and_bad_results_fail(build, tmp_path):
    files = {f: os.path.join(REFERENCE, f) for f in os.listdir(REFERENCE)}
    outcome = _result_outcomes(build, files)
    assert len(outcome) == 2 and all(ok for ok, _ in outcome.values()), outcome
    labels = re.search(r'^TEST_LABELS = "(\d+)"', open(gen.HIDDEN_TEST).read(), re.M).group(1)
    flipped = tmp_path / "hf_test_predictions.txt"  # not what the submitted model predicts
    flipped.write_text("".join(f"{1 - int(y)}\n" for y in labels))
    outcome = _result_outcomes(build, dict(files, **{"hf_test_predictions.txt": str(flipped)}))
    assert any("does not come from" in msg for ok, msg in outcome.values() if not ok)
    pickled = tmp_path / "finetuned_model.safetensors"
    torch.save({"x": torch.zeros(2)}, pickled)
    outcome = _result_outcomes(build, dict(files, **{"finetuned_model.safetensors": str(pickled)}))
    assert sum(not ok for ok, _ in outcome.values()) == 1
    outcome = _result_outcomes(build, {})
    assert not any(ok for ok, _ in outcome.values())


def test_calibration_report_agrees_with_the_build(build):
    with open(os.path.join(HIDDEN, "calibration", "report.json")) as f:
        report = json.load(f)
    shipped = json.loads(build.release["hw_support/thresholds.json"])
    assert shipped["hf_finetune"] == report["thresholds"]
    ok, message = hidden_module("hf_finetune", "calibration/calibrate.py").check(build, report)
    assert ok, message
    pre = [r["test_accuracy"] for r in report["runs"] if r["model"] == "pretrained"]
    scratch = [r["test_accuracy"] for r in report["runs"] if r["model"] == "scratch"]
    assert min(pre) - max(scratch) >= 0.10  # pretraining matters on the hidden test


def test_the_shipped_model_loads_offline_as_students_load_it(tmp_path):
    """The student's two lines, in a fresh process with HF_HUB_OFFLINE=1 (nothing may be downloaded)."""
    import subprocess
    import sys
    code = ("import sys, torch\n"
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            "path = sys.argv[1]\n"
            "tok = AutoTokenizer.from_pretrained(path)\n"
            "model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2).eval()\n"
            "batch = tok(['a superb film', 'not good'], padding=True, return_tensors='pt')\n"
            "with torch.no_grad():\n"
            "    print(tuple(model(**batch).logits.shape))\n")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(tmp_path / "hf-home"))  # an empty cache
    r = subprocess.run([sys.executable, "-c", code, os.path.join(DATA, "pretrained")], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "(2, 2)"
