"""Part 2's experiment kit (issue 18): experiment.py trains its tiny GPT on the solution's self_attention
with every switch for a few steps and writes its metrics and plots; the switches change what they say
and nothing else; a self_attention that bypasses the functions a switch replaces is refused.

Everything runs in one subprocess (the kit imports `attention` by name, as students run it), on a tiny
model; the full configurations' times are measured by bench/experiment_kit.py.
"""
import json
import math
import os
import subprocess
import sys

import pytest

KIT = ["experiment.py", "experiment_model.py", "experiment_plots.py", "experiment_hooks.py",
       "data/experiment_train.txt", "data/experiment_dev.txt", "report_template.md"]
TINY = ["--steps", "4", "--eval-every", "2", "--block-size", "8", "--eval-len", "12", "--n-embd", "16",
        "--n-layer", "1", "--n-head", "2", "--batch-size", "4", "--device", "cpu", "--no-progress"]
SWITCHES = {"baseline": [], "sim-cosine": ["--similarity", "cosine"], "sim-mine": ["--similarity", "mine"],
            "shared-qkv": ["--shared-qkv"], "pos-sinusoidal": ["--pos", "sinusoidal"], "pos-none": ["--pos", "none"],
            "mask-after": ["--mask", "after"], "proj-mlp": ["--proj", "mlp"]}
HOOK = "def my_similarity(Q, K):\n    return -(Q[..., :, None, :] - K[..., None, :, :]).pow(2).sum(-1)\n"

DRIVER = r'''
import json, sys
import torch
import attention, experiment, experiment_model as em

runs, errors = {}, {}
for name, switches in json.loads(sys.argv[1]).items():
    m = experiment.main(switches + json.loads(sys.argv[2]) + ["--out", "runs"])
    runs[name] = m["name"]
experiment.main(["--compare", "runs/baseline", "runs/pos-none", "--out", "runs"])

# The same weights with each attention switch: the output changes, and attention.py is restored after.
torch.manual_seed(0)
idx = torch.randint(0, 50, (2, 10))
base = em.TinyGPT(em.Config(vocab_size=50, n_embd=16, n_head=2, n_layer=1))
originals = (attention.pairwise_similarities, attention.apply_causal_mask, attention.attn_softmax)
changes = {}
for kind, value in [("similarity", "cosine"), ("similarity", "mine"), ("mask", "after")]:
    other = em.TinyGPT(em.Config(vocab_size=50, n_embd=16, n_head=2, n_layer=1, **{kind: value}))
    other.load_state_dict(base.state_dict())
    changes[value] = (other(idx) - base(idx)).abs().max().item()
restored = originals == (attention.pairwise_similarities, attention.apply_causal_mask, attention.attn_softmax)
# mask after the softmax: rows sum to at most 1, no future weight
A = em._softmax_then_mask(torch.randn(3, 5, 5))
mask_ok = bool(torch.all(A.sum(-1) <= 1 + 1e-6)) and bool(torch.all(A.triu(1) == 0))

# A self_attention that computes Q K^T itself: the cosine switch would change nothing, so it is refused.
def inline(Q, K, V, n_heads=1, causal=True):
    A = Q @ K.transpose(-2, -1)
    return attention.compute_outputs(attention.attn_softmax(A), V)
attention.self_attention = inline
try:
    em.TinyGPT(em.Config(vocab_size=50, n_embd=16, n_head=2, n_layer=1, similarity="cosine"))(idx)
    errors["inline"] = None
except RuntimeError as e:
    errors["inline"] = str(e)
print(json.dumps({"runs": runs, "changes": changes, "restored": restored, "mask_ok": mask_ok, "errors": errors}))
'''


@pytest.fixture(scope="module")
def kit(build, tmp_path_factory):
    """The release's kit files with the solution's attention.py."""
    d = tmp_path_factory.mktemp("experiment_kit")
    for name in KIT:
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(build.release[name])
    (d / "attention.py").write_bytes(build.solutions["attention.py"])
    return d


def python(cwd, *args):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=240,
                          env=dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg"))


def test_the_kit_ships_in_the_release_only_with_an_unwritten_hook(build):
    assert all(name in build.release for name in KIT)
    assert not any(name.startswith("experiment") for name in build.solutions)
    assert "raise NotImplementedError" in build.release["experiment_hooks.py"].decode()


def test_mine_without_a_hook_stops_with_a_message(kit, tmp_path):
    proc = python(kit, "experiment.py", "--similarity", "mine", *TINY, "--out", str(tmp_path))
    assert proc.returncode == 1 and "write my_similarity in experiment_hooks.py first" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_every_switch_trains_and_writes_its_metrics_and_plots(kit):
    (kit / "experiment_hooks.py").write_text(HOOK)
    proc = python(kit, "-c", DRIVER, json.dumps(SWITCHES), json.dumps(TINY))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["runs"] == {name: name for name in SWITCHES}  # the default names follow the switches
    for name in SWITCHES:
        folder = kit / "runs" / name
        assert sorted(os.listdir(folder)) == ["curves.png", "metrics.json", "positions.png"]
        assert all((folder / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in ("curves.png", "positions.png"))
        m = json.loads((folder / "metrics.json").read_text())
        assert [c["step"] for c in m["curve"]] == [2, 4]
        assert all(math.isfinite(c["val_ppl"]) and c["val_ppl"] > 1 for c in m["curve"])
        assert 1 < m["val_ppl"] < m["config"]["vocab_size"] * 2 and math.isfinite(m["val_ppl_long"])
        assert len(m["loss_by_position"]) == 12 and m["eval_len"] == 12 and m["config"]["max_len"] == 12
        assert len(m["samples"]) == 4 and all(len(s.split()) == 30 for s in m["samples"])
    assert sorted(p for p in os.listdir(kit / "runs") if p.startswith("compare")) == [
        "compare.md", "compare_perplexity.png", "compare_positions.png"]
    assert (kit / "runs" / "compare.md").read_text().count("\n") == 4  # header, rule, two runs
    configs = {n: json.loads((kit / "runs" / n / "metrics.json").read_text())["config"] for n in SWITCHES}
    assert configs["shared-qkv"]["shared_qkv"] and configs["proj-mlp"]["proj"] == "mlp"
    params = {n: json.loads((kit / "runs" / n / "metrics.json").read_text())["n_parameters"] for n in SWITCHES}
    assert params["shared-qkv"] < params["baseline"] < params["proj-mlp"]  # shared: one projection; mlp: two each
    assert params["pos-none"] == params["pos-sinusoidal"] < params["baseline"]  # no learned position table
    assert all(v > 1e-4 for v in out["changes"].values()), out["changes"]
    assert out["restored"] and out["mask_ok"]
    assert "did not call pairwise_similarities" in out["errors"]["inline"]
