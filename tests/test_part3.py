"""Part 3 (pretraining and knowledge access): span corruption, the generated corpus, the accuracy tests.

- Span corruption: the questions of q3_1 (public + hidden, merged) run in-process (build.py verify's
  machinery) on five differently written correct implementations (all pass) and on the realistic
  bugs of the issue (each fails at least one test); failure messages name the document's index, length and
  first differing character, and a crash names the document that raised.
- The corpus generator: tests/test_part3_data.py.
- The hidden accuracy tests (q3_3): correct predictions from the submitted params pass, predictions
  that do not come from the params fail, missing or malformed files fail with a clear message and
  cost only their own test; once through the real Gradescope entry point (`grade` fixture).
Training is never run here: the models are tiny and untrained.
"""
import dataclasses
import json
import os
import re

import pytest
import torch

from conftest import ROOT, graded_tests

from hwbuild import verify
from hwbuild.parts import hidden_module


part3_data = hidden_module("pretraining", "generate_data.py")
CATALOG = verify.import_path("dataset_catalog_p3", os.path.join(ROOT, "autograder", "parts", "pretraining", "mutants",
                                                                "dataset.py"))
BUGS = {  # the realistic bugs -> the catalog mutant that implements each
    "off-by-one range": "off-by-one",
    "window not at the start": "window at a random offset",
    "masked length always 1/4": "masked length always 1/4",
    "missing second MASK": "missing second MASK",
    "padding to the wrong length": "pads to block_size (2021 rule)",
    "wrong vocab ids": "wrong vocabulary ids",
}


def _question(build, name):
    return next(q for q in build.questions if q.name == name)


@pytest.fixture(scope="module")
def solution_modules(build, tmp_path_factory):
    """The solution modules, imported in-process (as build.py verify does); one torch thread."""
    tmp = str(tmp_path_factory.mktemp("p3solutions"))
    loaded = build.assignment.loaded
    with verify.one_thread_and_kept_modules(loaded):
        mods = {}
        for m in loaded:
            mods[m] = verify.load_variant(m, build.solutions[m + ".py"].decode(), tmp, mods)
        yield mods


def _run_dataset_variant(build, solution_modules, tmp_path, tag, source):
    others = {k: v for k, v in solution_modules.items() if k != "dataset"}
    mod = verify.load_variant("dataset", source, str(tmp_path / tag), others)
    results, problem = verify.run_questions([_question(build, "q3_1_span_corruption")], dict(others, dataset=mod))
    assert problem is None, problem
    return results["q3_1_span_corruption"]


# ------------------------------------------------------------------------------------------------
# Span corruption


def test_five_correct_span_corruptions_pass(build, solution_modules, tmp_path):
    solution = build.solutions["dataset.py"].decode()
    alternatives = [a for a in CATALOG.ALTERNATIVES if a.function == "CharCorruptionDataset"]
    assert len(alternatives) >= 5
    variants = [("solution", solution)] + [(a.name, a.apply(solution)) for a in alternatives]
    for i, (label, source) in enumerate(variants):
        cases = _run_dataset_variant(build, solution_modules, tmp_path, f"ok{i}", source)
        failed = [(c, m) for c, _, ok, m in cases if not ok]
        assert not failed, f"correct implementation '{label}' failed: {failed}"
        assert len(cases) >= 6


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_span_corruption_bugs_fail(build, solution_modules, tmp_path, bug):
    found = [m for m in CATALOG.MUTANTS if BUGS[bug] in m.name]
    assert len(found) == 1, (bug, [m.name for m in found])
    source = found[0].apply(build.solutions["dataset.py"].decode())
    cases = _run_dataset_variant(build, solution_modules, tmp_path, "bug", source)
    failed = [c for c, _, ok, _ in cases if not ok]
    assert failed, f"the bug '{bug}' passed every span-corruption test"


def test_stub_dataset_fails_every_span_test(build, solution_modules, tmp_path):
    cases = _run_dataset_variant(build, solution_modules, tmp_path, "stub", build.release["dataset.py"].decode())
    assert all(not ok for _, _, ok, _ in cases)



def _failures(build, solution_modules, tmp_path, tag, old, new):
    source = build.solutions["dataset.py"].decode()
    assert source.count(old) == 1
    cases = _run_dataset_variant(build, solution_modules, tmp_path, tag, source.replace(old, new))
    return {c: verify.last_line(m) for c, _, ok, m in cases if not ok}


def test_span_messages_name_the_document_length_and_first_difference(build, solution_modules, tmp_path):
    """A student who strips the documents is told where the example departs from the document (hidden
    tests: the document's index and length, never the document)."""
    failed = _failures(build, solution_modules, tmp_path, "strip", "document = self.data[idx]\n",
                       "document = self.data[idx].strip()\n")
    departs = r"your (prefix|masked_content|suffix) differs from the document at character 0: .{3,4} vs ' '"
    found = [m for m in failed.values() if re.search(departs, m)]
    assert found, failed
    assert "do not strip or change the document" in found[0]
    assert re.search(r"\(document \d+, \d+ characters, block_size \d+\)$", found[0]), found[0]
    # a document with a trailing space, stripped to 3 characters
    docs = ["abc ", "abcdefgh"]
    from hw_support.span_checks import parse_item, vocab_for
    stoi, itos = vocab_for("\n".join(docs))
    ids = [stoi[c] for c in "abc" + "\u2047\u2047"] + [0] * 12
    item = (torch.tensor(ids[:-1]), torch.tensor(ids[1:]))
    with pytest.raises(AssertionError, match=r"keeps 3 characters of a document of 4.*do not strip"):
        parse_item(item, docs[0], 16, itos, show=False, index=0)


def test_a_crash_names_the_index_and_length_of_the_document(build, solution_modules, tmp_path):
    """randint(1, n // 2) raises on the empty document: the message names it (index 3 of the public DOCS)."""
    failed = _failures(build, solution_modules, tmp_path, "crash", "masked_len = random.randint(0, n // 2)",
                       "masked_len = random.randint(1, n // 2)")
    public = failed["CharCorruptionDataset: every example is prefix MASK suffix MASK masked PAD..., x/y shifted, "
                    "of length block_size (block sizes 16 and 64)"]
    assert "dataset[3] raised ValueError" in public and "document 3 has 0 characters" in public, public

# ------------------------------------------------------------------------------------------------
# The given model: rotary positions for vanilla, learned ones for the synthesizer

def test_run_py_experiment_runs_every_run_and_prints_the_dev_table(build, tmp_path):
    """`python run.py experiment` (one epoch each here): every file a student submits, one progress line
    per step, the dev table with the baseline, and half the cores per pipeline."""
    import subprocess
    import sys

    hidden_module("pretraining", "calibration/experiment.py").workdir_for(build, str(tmp_path))
    r = subprocess.run([sys.executable, "run.py", "experiment", "--epochs", "1"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    threads = max(1, min(4, (os.cpu_count() or 1) // 2))
    assert f"2 pipelines, 2 at a time, {threads} thread(s) each" in r.stdout
    assert len(re.findall(r"^\[(vanilla|synthesizer) \d+/\d+\] ", r.stdout, re.M)) == 11
    for run in ("vanilla.pretrain", "vanilla.nopretrain", "synthesizer.pretrain"):
        assert re.search(rf"^\| {re.escape(run)} \| [\d.]+% \|$", r.stdout, re.M), r.stdout[-1500:]
        for split in ("dev", "test"):
            assert (tmp_path / f"{run}.{split}.predictions").stat().st_size > 0
    assert (tmp_path / "vanilla.finetune.params").exists() and (tmp_path / "synthesizer.finetune.params").exists()
    assert "| most common place (baseline) |" in r.stdout and (tmp_path / "logs" / "vanilla.log").exists()


def test_name_dataset_cuts_lines_longer_than_the_block(solution_modules):
    ds = solution_modules["dataset"]
    pre = ds.CharCorruptionDataset("abc def?\tWhere was x born\n", 16)
    names = ds.NameDataset(pre, "Where was x born?\tabc\nWhere was abc def abc def born?\tabc\n")
    for x, y in (names[0], names[1]):  # 18 + 4 and 32 + 4 characters: both cut to the block
        assert x.shape == y.shape == (16,)
        assert bool((y[:15] == 0).all())  # no loss on the question
    x, _ = names[1]
    assert "".join(pre.itos[int(i)] for i in x) == "Where was abc def abc def born?"[:16]


def test_fine_tuning_examples_and_predictions_use_one_question_frame(solution_modules):
    """NameDataset trains exactly the continuation that predict_places asks for: model.answer_prompt(q),
    then the answer and the MASK that ends it; the loss covers only that answer."""
    ds, model = solution_modules["dataset"], solution_modules["model"]
    q, a = "Where was x born?", "abc"
    pre = ds.CharCorruptionDataset("abc def?\tWhere was x born\n", 32)
    x, y = ds.NameDataset(pre, f"{q}\t{a}\n")[0]
    text = "".join(pre.itos[int(i)] for i in x).rstrip(ds.PAD_CHAR)
    prompt = model.answer_prompt(q)
    assert text == prompt + a + ds.MASK_CHAR
    target = "".join(pre.itos[int(i)] for i in y)
    assert target[len(prompt) - 1:].rstrip(ds.PAD_CHAR) == a + ds.MASK_CHAR
    assert bool((y[:len(prompt) - 1] == 0).all())
    assert model.answer_of(q, a + ds.MASK_CHAR + "junk") == a


def test_rotary_scores_depend_on_relative_position_only(solution_modules):
    rotary = solution_modules["attention"].rotary
    torch.manual_seed(0)
    q, k = torch.randn(2, 1, 1, 1, 16, dtype=torch.float64).expand(-1, 2, 3, 24, -1)
    rq, rk = rotary(q), rotary(k)
    scores = (rq @ rk.transpose(-1, -2))[0, 0]  # (T, T): the same query and key at every position
    for s, t in [(5, 2), (20, 17), (9, 9), (23, 0)]:
        assert torch.allclose(scores[s, t], scores[s - t, 0]), (s, t)
    assert not torch.allclose(scores[3, 0], scores[4, 0])  # the distance does matter
    assert torch.allclose(rq.norm(dim=-1), q.norm(dim=-1)) and torch.equal(rq[..., 0, :], q[..., 0, :])


def test_vanilla_gpt_has_no_absolute_positions_and_synthesizer_has(solution_modules):
    model = solution_modules["model"]
    cfg = dict(vocab_size=10, block_size=16, n_layer=1, n_head=2, n_embd=8)
    vanilla, synth = model.GPT(model.GPTConfig(**cfg)), model.GPT(model.GPTConfig(**cfg, variant="synthesizer"))
    assert "pos_emb" not in vanilla.state_dict() and "pos_emb" in synth.state_dict()


# ------------------------------------------------------------------------------------------------
# The accuracy tests (q3_3)

RUNS = {"vanilla.pretrain": ("vanilla.finetune.params", "vanilla"),
        "synthesizer.pretrain": ("synthesizer.finetune.params", "synthesizer")}


_TINY = {}


def _tiny_submission(model_mod, directory, seed_offset=0):
    """Untrained tiny models and their own test predictions: {file name: path} (copied into `directory`)."""
    import shutil
    import tempfile
    if seed_offset not in _TINY:
        _TINY[seed_offset] = _make_tiny_submission(model_mod, tempfile.mkdtemp(prefix="p3tiny-"), seed_offset)
    files, consts = _TINY[seed_offset]
    out = {}
    for name, path in files.items():
        out[name] = os.path.join(directory, name)
        shutil.copy(path, out[name])
    return out, consts


def _make_tiny_submission(model_mod, directory, seed_offset):
    consts = {}
    exec(compile(part3_data.hidden_block(part3_data.generate(part3_data.current_seed())), "gen", "exec"), consts)
    files = {}
    for i, (run, (params_name, variant)) in enumerate(RUNS.items()):
        torch.manual_seed(100 + i + seed_offset)
        chars = consts["VOCAB_CHARS"]
        gpt = model_mod.GPT(model_mod.GPTConfig(len(chars) + 2, 64, n_layer=1, n_head=2, n_embd=16, variant=variant))
        path = os.path.join(directory, params_name)
        model_mod.save_params(gpt, path)
        params = torch.load(path, weights_only=True)
        preds = model_mod.predict_places(params, chars, consts["TEST_QUESTIONS"])
        files[params_name] = path
        files[f"{run}.test.predictions"] = os.path.join(directory, f"{run}.test.predictions")
        with open(files[f"{run}.test.predictions"], "w") as f:
            f.write("\n".join(preds) + "\n")
    files["vanilla.nopretrain.test.predictions"] = files["vanilla.pretrain.test.predictions"]
    return files, consts


def _run_accuracy(build, solution_modules, files, answers=None, thresholds=None):
    q = _question(build, "q3_3_accuracy")
    source = q.source
    if answers is not None:
        source = re.sub(r"^TEST_ANSWERS = .*$", lambda _: "TEST_ANSWERS = " + json.dumps(answers), source, flags=re.M)
    if thresholds is not None:
        source = re.sub(r"^THRESHOLDS = .*$", lambda _: "THRESHOLDS = " + repr(thresholds), source, flags=re.M)
    question = dataclasses.replace(q, source=source)
    env = dict(solution_modules, submitted_files=files)
    results, problem = verify.run_questions([question], env)
    assert problem is None, problem
    return {c: (ok, m) for c, _, ok, m in results["q3_3_accuracy"]}


NO_PROBE = {"vanilla.pretrain.probe": 0.0, "synthesizer.pretrain.probe": 0.0}  # untrained tiny models know nothing
CALIBRATION = os.path.join(ROOT, "autograder", "parts", "pretraining", "calibration")


def test_never_pretrained_models_lose_the_pretraining_points_and_the_reference_keeps_them(build, solution_modules):
    """Honest models fine-tuned from scratch (calibration/nopretrain_run: their real params and
    predictions), submitted as the pretrained ones, lose both pretraining tests at the real thresholds,
    by question answering and, with its thresholds at 0, by the cloze probe alone. The reference run
    (solutions/) keeps them."""
    scratch = os.path.join(CALIBRATION, "nopretrain_run")
    files = {f"{v}.finetune.params": os.path.join(scratch, f"{v}.nopretrain.params") for v in ("vanilla", "synthesizer")}
    files.update({f"{v}.pretrain.test.predictions": os.path.join(scratch, f"{v}.nopretrain.test.predictions")
                  for v in ("vanilla", "synthesizer")})
    files["vanilla.nopretrain.test.predictions"] = files["vanilla.pretrain.test.predictions"]
    res = {n.split(":")[0]: (ok, m) for n, (ok, m) in _run_accuracy(build, solution_modules, files).items()}
    for run in ("Pretrained vanilla model", "Pretrained synthesizer model"):
        assert not res[run][0] and "of the hidden test questions answered correctly" in res[run][1], res
    with open(os.path.join(CALIBRATION, "report.json"), encoding="utf-8") as f:  # the probe alone catches them too
        probe_only = dict(json.load(f)["thresholds"], **{"vanilla.pretrain": 0.0, "synthesizer.pretrain": 0.0})
    res = {n.split(":")[0]: (ok, m) for n, (ok, m) in
           _run_accuracy(build, solution_modules, files, thresholds=probe_only).items()}
    for run in ("Pretrained vanilla model", "Pretrained synthesizer model"):
        assert not res[run][0] and "completes 'NAME was born in ' with the right place" in res[run][1], res
    reference = os.path.join(CALIBRATION, "reference_run")
    files = {f: os.path.join(reference, f) for f in os.listdir(reference)}
    res = _run_accuracy(build, solution_modules, files)
    assert all(ok for ok, _ in res.values()), res


def test_accuracy_correct_predictions_pass(build, solution_modules, tmp_path):
    files, consts = _tiny_submission(solution_modules["model"], str(tmp_path))
    with open(files["vanilla.pretrain.test.predictions"]) as f:
        answers = f.read().split("\n")[:len(consts["TEST_ANSWERS"])]
    # the vanilla predictions become the answers: 100% for vanilla, the synthesizer must clear 0%
    res = _run_accuracy(build, solution_modules, files, answers=answers,
                        thresholds={"vanilla.pretrain": 99.0, "synthesizer.pretrain": 0.0, **NO_PROBE})
    assert all(ok for ok, _ in res.values()), res


def test_accuracy_missing_malformed_and_foreign_predictions(build, solution_modules, tmp_path):
    files, _ = _tiny_submission(solution_modules["model"], str(tmp_path))
    low = {"vanilla.pretrain": 0.0, "synthesizer.pretrain": 0.0, **NO_PROBE}
    assert all(ok for ok, _ in _run_accuracy(build, solution_modules, files, thresholds=low).values())

    def outcome(files):
        res = _run_accuracy(build, solution_modules, files, thresholds=low)
        return {name.split(":")[0]: (ok, msg) for name, (ok, msg) in res.items()}

    # missing synthesizer predictions: only that test fails, with a clear message
    res = outcome({k: v for k, v in files.items() if k != "synthesizer.pretrain.test.predictions"})
    bad = [n for n, (ok, _) in res.items() if not ok]
    assert len(bad) == 1 and "synthesizer" in bad[0].lower()
    assert "synthesizer.pretrain.test.predictions was not submitted" in res[bad[0]][1]

    # malformed: too few lines; params that are not a params file
    short = tmp_path / "short.predictions"
    short.write_text("Foo\nBar\n")
    junk = tmp_path / "junk.params"
    junk.write_bytes(b"not a torch file")
    res = outcome(dict(files, **{"vanilla.pretrain.test.predictions": str(short),
                                 "synthesizer.finetune.params": str(junk)}))
    msgs = {n: m for n, (ok, m) in res.items() if not ok}
    assert len(msgs) == 2, msgs  # the two tests that read these files; no-pretraining still passes
    text = " ".join(msgs.values())
    assert "has 2 lines" in text and "is not a params file written by run.py" in text

    # predictions that do not come from the submitted params (another model's): agreement fails
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other, _ = _tiny_submission(solution_modules["model"], str(other_dir), seed_offset=50)
    res = outcome(dict(files, **{"vanilla.finetune.params": other["vanilla.finetune.params"]}))
    msgs = {n: m for n, (ok, m) in res.items() if not ok}
    assert len(msgs) == 1 and "does not come from vanilla.finetune.params" in next(iter(msgs.values()))


def test_accuracy_through_the_gradescope_entry_point(build, grade, tmp_path, solution_modules):
    """Real harness (sandboxed worker, submitted files found in the upload): untrained tiny models,
    vanilla params that are not the ones the vanilla predictions came from, and no synthesizer files.
    The vanilla test fails on the rerun, the synthesizer one says its files were not submitted, the
    no-pretraining one passes: each file costs only its own test."""
    import shutil
    sub = tmp_path / "sub"
    sub.mkdir()
    for m in ("dataset", "attention", "model"):
        (sub / f"{m}.py").write_bytes(build.solutions[f"{m}.py"])
    files, _ = _tiny_submission(solution_modules["model"], str(sub))
    os.remove(files["synthesizer.pretrain.test.predictions"])
    os.remove(files["synthesizer.finetune.params"])
    shutil.copy(files["vanilla.pretrain.test.predictions"], sub / "vanilla.nopretrain.test.predictions")
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other, _ = _tiny_submission(solution_modules["model"], str(other_dir), seed_offset=50)
    shutil.copy(other["vanilla.finetune.params"], files["vanilla.finetune.params"])
    results = grade(sub, only="model")
    tests = [t for t in graded_tests(results) if "model" in t.get("tags", [])] or graded_tests(results)
    vanilla = next(t for t in tests if t["name"].startswith("Pretrained vanilla"))
    synth = next(t for t in tests if t["name"].startswith("Pretrained synthesizer"))
    nopre = next(t for t in tests if t["name"].startswith("No-pretraining"))
    assert vanilla["score"] == 0 and "does not come from vanilla.finetune.params" in vanilla["output"], \
        vanilla["output"][-500:]
    assert synth["score"] == 0 and "was not submitted" in synth["output"], synth["output"][-500:]
    assert nopre["score"] == nopre["max_score"], nopre["output"][-500:]
