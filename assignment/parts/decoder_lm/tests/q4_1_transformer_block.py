from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, assert_tensor, seed_all
from hw_support.lm_checks import BLOCK_NAMES, block_state, randomize, reference_block, reference_block_forward

OK_FORMAT = False
name = "q4_1_transformer_block"


def _block_and_reference(lm, n_embd, n_head, mlp_ratio=4, seed=0):
    """The student's TransformerBlock holding the random weights of torch's pre-LN encoder layer."""
    ref = randomize(reference_block(n_embd, n_head, mlp_ratio), seed)
    block = lm.TransformerBlock(n_embd, n_head, mlp_ratio=mlp_ratio)
    block.load_state_dict(block_state(ref))
    block.eval()
    return block, ref


@test_case(name="TransformerBlock: output of shape (B, T, n_embd); the given parameter names kept", points=1)
def public_shape_and_names(lm):
    seed_all(401)
    block = lm.TransformerBlock(8, 2)
    block.eval()
    names = set(block.state_dict())
    assert names == set(BLOCK_NAMES.values()), (
        f"TransformerBlock's parameters are {sorted(names)}; keep the given __init__ "
        f"(expected {sorted(BLOCK_NAMES.values())})")
    out = block(torch.randn(3, 5, 8))
    assert_tensor(out, "TransformerBlock(8, 2) on x of shape (3, 5, 8)", shape=(3, 5, 8), dtype=torch.float32)


@test_case(name="TransformerBlock vs torch's pre-LN encoder layer (causal mask), same weights: n_embd 8, 2 heads", points=2)
def public_matches_reference(lm):
    seed_all(402)
    block, ref = _block_and_reference(lm, 8, 2, seed=402)
    x = torch.randn(2, 6, 8)
    assert_close(block(x).double(), reference_block_forward(ref, x),
                 "TransformerBlock(8, 2) against nn.TransformerEncoderLayer(norm_first=True) with a causal mask",
                 atol=1e-4)


@test_case(name="TransformerBlock: causal (changing the last token leaves the others unchanged)", points=1)
def public_causal(lm):
    seed_all(403)
    block, _ = _block_and_reference(lm, 8, 2, seed=403)
    x = torch.randn(2, 6, 8)
    x2 = x.clone()
    x2[:, -1] = torch.randn(2, 8)
    out, out2 = block(x), block(x2)
    assert_close(out2[:, :-1], out[:, :-1], "TransformerBlock at tokens 0-4 after changing token 5", atol=1e-5)
    assert (out2[:, -1] - out[:, -1]).abs().max() > 1e-3, "TransformerBlock's last output ignores the last token"
