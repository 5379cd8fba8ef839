from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, assert_tensor, seed_all

OK_FORMAT = False
name = "q3_2_synthesizer"

CONFIG = {"n_embd": 12, "n_head": 3, "block_size": 8, "attn_pdrop": 0.0, "resid_pdrop": 0.0}


@test_case(name="SynthesizerAttention: output shape (B, T, C) for T = block_size and T < block_size", points=1)
def public_shape(attention):
    seed_all(41)
    layer = attention.SynthesizerAttention(CONFIG)
    for T in (8, 5, 1):
        x = torch.randn(2, T, 12)
        assert_tensor(layer(x), f"SynthesizerAttention()(x) with x of shape (2, {T}, 12)", shape=(2, T, 12),
                      dtype=torch.float32)


@test_case(name="SynthesizerAttention: causal (outputs at positions 0-3 ignore positions 4-7)", points=1)
def public_causal(attention):
    seed_all(42)
    layer = attention.SynthesizerAttention(CONFIG)
    x = torch.randn(2, 8, 12)
    y = layer(x)
    x2 = x.clone()
    x2[:, 4:] = torch.randn(2, 4, 12)
    y2 = layer(x2)
    assert_close(y2[:, :4], y[:, :4], "SynthesizerAttention at positions 0-3 after changing positions 4-7",
                 atol=1e-5)
    # an output that ignores every input (zeros, a constant) is causal too, and earns nothing here
    assert (y2[:, 4:] - y[:, 4:]).abs().max() > 1e-4, (
        "SynthesizerAttention's outputs at positions 4-7 did not change when positions 4-7 did: each position's "
        "output should depend on the inputs up to it")
