# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_close, seed_all


def _split(x, h):
    B, T, C = x.shape
    return torch.stack(x.chunk(h, dim=-1), dim=1)


@test_case(name="split_heads: values for every head count that divides n_embd = 12", points=2, hidden=True)
def hidden_split_values(attention):
    seed_all(11)
    x = torch.randn(2, 5, 12)
    for h in (1, 2, 3, 4, 6, 12):
        assert_close(attention.split_heads(x.clone(), h), _split(x, h), f"split_heads(x, {h}) on x of shape (2, 5, 12)",
                     atol=0, show_values=False)


@test_case(name="merge_heads: values, and the inverse of split_heads (float64)", points=2, hidden=True)
def hidden_merge_values(attention):
    seed_all(12)
    y = torch.randn(3, 4, 5, 2, dtype=torch.float64)
    expected = torch.cat(y.unbind(1), dim=-1)
    assert_close(attention.merge_heads(y.clone()), expected, "merge_heads on y of shape (3, 4, 5, 2)",
                 atol=0, show_values=False)
    x = torch.randn(2, 7, 6, dtype=torch.float64)
    assert_close(attention.merge_heads(attention.split_heads(x, 3)), x, "merge_heads(split_heads(x, 3))",
                 atol=0, show_values=False)
