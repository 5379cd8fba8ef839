# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, seed_all


@test_case(name="attn_softmax: over the last dim of a (2, 3, 4, 5) input", points=2, hidden=True)
def hidden_last_dim(attention):
    seed_all(5)
    A = 3 * torch.randn(2, 3, 4, 5)
    got = attention.attn_softmax(A.clone())
    assert_close(got, torch.softmax(A, dim=-1), "attn_softmax", atol=1e-6, show_values=False)


@test_case(name="attn_softmax: rows with -inf entries (masked) and float64", points=1, hidden=True)
def hidden_masked_rows(attention):
    seed_all(6)
    A = torch.randn(4, 4, dtype=torch.float64)
    A = A.masked_fill(torch.ones(4, 4, dtype=torch.bool).triu(1), float("-inf"))
    got = attention.attn_softmax(A.clone())
    assert_close(got, torch.softmax(A, dim=-1), "attn_softmax on a masked float64 input",
                 atol=1e-10, show_values=False)


# Added by the release gate (python build.py verify): the mutant "exp / sum without subtracting the max"
# of autograder/mutants/attention.py kept full marks, because every other case uses scores of size ~3.
# Scores of a few hundred overflow exp() in float32 (nan); torch.softmax and a max-subtracting softmax pass.
# atol 1e-4: exp(A - logsumexp(A)), also correct, is off by ~1e-6 at this scale in float32.
@test_case(name="attn_softmax: large scores (hundreds) give finite weights", points=1, hidden=True)
def hidden_large_scores(attention):
    seed_all(19)
    A = 200 * torch.randn(3, 4, 6)
    got = attention.attn_softmax(A.clone())
    assert_close(got, torch.softmax(A, dim=-1), "attn_softmax on scores of size up to a few hundred",
                 atol=1e-4, show_values=False)
