# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, seed_all


def _reference(state, x, n_head):
    """Y_i = softmax(ReLU(X A_i + b1) B + b2) (X V_i), causal, heads merged, projected (CS224N A5)."""
    B, T, C = x.shape
    d = C // n_head
    a = torch.relu(x @ state["w1.weight"].T + state["w1.bias"]).view(B, T, n_head, d).transpose(1, 2)
    scores = a @ state["w2"][:, :T] + state["b2"][:T]
    keep = torch.ones(T, T, dtype=torch.bool).tril()
    weights = torch.softmax(scores.masked_fill(~keep, float("-inf")), dim=-1)
    v = (x @ state["value.weight"].T + state["value.bias"]).view(B, T, n_head, d).transpose(1, 2)
    y = (weights @ v).transpose(1, 2).reshape(B, T, C)
    return y @ state["proj.weight"].T + state["proj.bias"]


def _randomised(attention, config, seed):
    """A layer with every parameter random (not the small initial w2), and its state dict."""
    seed_all(seed)
    layer = attention.SynthesizerAttention(config)
    state = {k: v.clone() for k, v in dict(layer.state_dict()).items()}
    for k in ("w1.weight", "w1.bias", "w2", "b2", "value.weight", "value.bias", "proj.weight", "proj.bias"):
        assert k in state, f"SynthesizerAttention's state_dict has no '{k}': do not change __init__"
        state[k] = torch.randn_like(state[k]) * (0.5 if k != "w2" else 1.0)
    layer.load_state_dict(state)
    layer.eval()
    return layer, state


@test_case(name="SynthesizerAttention: matches the equations (1, 2 and 4 heads; T = block_size and shorter)",
           points=3, hidden=True)
def hidden_matches_reference(attention):
    for n_embd, n_head, block_size, seed in ((8, 1, 6, 51), (12, 2, 10, 52), (16, 4, 9, 53)):
        config = {"n_embd": n_embd, "n_head": n_head, "block_size": block_size}
        layer, state = _randomised(attention, config, seed)
        for B, T in ((1, block_size), (3, block_size - 3), (2, 1)):
            x = torch.randn(B, T, n_embd)
            assert_close(layer(x), _reference(state, x, n_head),
                         f"SynthesizerAttention (n_embd={n_embd}, n_head={n_head}, block_size={block_size}) "
                         f"on x of shape {(B, T, n_embd)}", atol=1e-4, show_values=False)


@test_case(name="SynthesizerAttention: each row of attention weights sums to 1 over the allowed positions",
           points=1, hidden=True)
def hidden_rows_sum_to_one(attention):
    config = {"n_embd": 8, "n_head": 2, "block_size": 7}
    layer, state = _randomised(attention, config, 54)
    # identity value and projection: the output is the weighted average of the inputs of each head
    state = dict(state, **{"value.weight": torch.eye(8), "value.bias": torch.zeros(8),
                           "proj.weight": torch.eye(8), "proj.bias": torch.zeros(8)})
    layer.load_state_dict(state)
    x = torch.randn(2, 7, 8)
    ones = torch.ones(2, 7, 8)
    assert_close(layer(ones), ones, "SynthesizerAttention with identity value/proj on an all-ones input",
                 atol=1e-5, show_values=False)
    assert_close(layer(x)[:, 0], x[:, 0], "SynthesizerAttention at position 0 (it can attend only to itself)",
                 atol=1e-5, show_values=False)
