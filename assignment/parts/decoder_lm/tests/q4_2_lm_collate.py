from otter.test_files import test_case
import torch
from hw_support.checks import seed_all

OK_FORMAT = False
name = "q4_2_lm_collate"


def _pairs(sentences):
    """(x, y) = (tokens[:-1], tokens[1:]) of each list of token ids."""
    return [(torch.tensor(s[:-1]), torch.tensor(s[1:])) for s in sentences]


def _expected(batch, pad_id):
    T = max(len(x) for x, _ in batch)
    X = torch.full((len(batch), T), pad_id, dtype=torch.long)
    Y = X.clone()
    for i, (x, y) in enumerate(batch):
        X[i, :len(x)], Y[i, :len(y)] = x, y
    return X, Y


def _check(lm, batch, pad_id, what, show):
    got = lm.lm_collate_fn(batch, pad_id)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"lm_collate_fn should return a pair (X, Y), got {type(got).__name__}"
    for label, g, e in zip("XY", got, _expected(batch, pad_id)):
        assert isinstance(g, torch.Tensor), f"lm_collate_fn: {label} should be a torch.Tensor, got {type(g).__name__}"
        assert tuple(g.shape) == tuple(e.shape), (
            f"lm_collate_fn on {what}: {label} has shape {tuple(g.shape)}, expected {tuple(e.shape)} (B, longest x)")
        assert g.dtype == torch.long, f"lm_collate_fn: {label} has dtype {g.dtype}, expected torch.int64 (long)"
        if not torch.equal(g, e):
            msg = f"lm_collate_fn on {what}: {label} is wrong (right-pad every row with pad_id={pad_id})"
            if show:
                msg += f"\nexpected\n{e}\ngot\n{g}"
            raise AssertionError(msg)


@test_case(name="lm_collate_fn: 3 sentences of 4, 6 and 3 tokens, pad_id 0 (worked example)", points=1)
def public_worked_example(lm):
    batch = _pairs([[1, 5, 6, 3], [1, 7, 8, 9, 10, 3], [1, 11, 4]])
    _check(lm, batch, 0, "the worked example", show=True)
