# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, seed_all
from hw_support.lm_checks import block_state, randomize, reference_block, reference_block_forward

_CONFIGS = [(4, 1, 4, 1, 1), (12, 3, 4, 3, 7), (16, 4, 2, 2, 9), (6, 6, 4, 1, 5), (10, 2, 3, 4, 12)]  # C, h, ratio, B, T


@test_case(name="TransformerBlock vs torch's pre-LN encoder layer: several sizes, head counts and MLP ratios", points=3, hidden=True)
def hidden_matches_reference(lm):
    seed_all(411)
    for i, (C, h, r, B, T) in enumerate(_CONFIGS):
        block, ref = _block_and_reference(lm, C, h, r, seed=411 + i)
        x = torch.randn(B, T, C)
        assert_close(block(x).double(), reference_block_forward(ref, x),
                     f"TransformerBlock(n_embd={C}, n_head={h}, mlp_ratio={r}) on x of shape {(B, T, C)}",
                     atol=1e-4, show_values=False)


@test_case(name="TransformerBlock: right outputs, causal at every position", points=1, hidden=True)
def hidden_causal_everywhere(lm):
    seed_all(412)
    block, ref = _block_and_reference(lm, 12, 3, seed=412)
    x = torch.randn(2, 8, 12)
    out = block(x)
    # right values too: an output that ignores the other tokens (x itself, zeros) is causal and earns nothing
    assert_close(out.double(), reference_block_forward(ref, x), "TransformerBlock(12, 3) on x of shape (2, 8, 12)",
                 atol=1e-4, show_values=False)
    for t in range(8):
        x2 = x.clone()
        x2[:, t:] = torch.randn(2, 8 - t, 12)
        assert_close(block(x2)[:, :t], out[:, :t], f"TransformerBlock at tokens before {t} after changing tokens {t}-7",
                     atol=1e-5, show_values=False)


@test_case(name="TransformerBlock: residual connections (zero output projections give the identity)", points=1, hidden=True)
def hidden_residuals(lm):
    seed_all(413)
    ref = randomize(reference_block(8, 2), 413)
    state = block_state(ref)
    for k in ("c_proj.weight", "c_proj.bias", "mlp.2.weight", "mlp.2.bias"):
        state[k] = torch.zeros_like(state[k])
    block = lm.TransformerBlock(8, 2)
    block.load_state_dict(state)
    block.eval()
    x = torch.randn(2, 5, 8)
    assert_close(block(x), x, "TransformerBlock with c_proj and the MLP's last layer set to zero (x + 0 + 0)",
                 atol=1e-6, show_values=False)
    state["mlp.2.bias"] = torch.ones_like(state["mlp.2.bias"])
    block.load_state_dict(state)
    assert_close(block(x), x + 1, "TransformerBlock whose MLP outputs 1 everywhere (x + 0 + 1)", atol=1e-5,
                 show_values=False)
