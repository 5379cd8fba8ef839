# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_unchanged, seed_all


@test_case(name="lm_collate_fn: random batches and lengths, pad ids other than 0", points=2, hidden=True)
def hidden_random_batches(lm):
    seed_all(421)
    for B, pad_id in [(2, 7), (5, 59), (8, 1), (16, 0), (3, 123)]:
        lengths = torch.randint(2, 15, (B,)).tolist()
        batch = _pairs([torch.randint(2, 60, (n,)).tolist() for n in lengths])
        _check(lm, batch, pad_id, f"a batch of {B} with lengths {[n - 1 for n in lengths]}, pad_id={pad_id}", show=False)


@test_case(name="lm_collate_fn: one sentence, equal lengths, inputs unchanged", points=1, hidden=True)
def hidden_edge_cases(lm):
    seed_all(422)
    one = _pairs([[1, 4, 9, 3]])
    _check(lm, one, 5, "a batch of one sentence", show=False)
    same = _pairs([torch.randint(2, 60, (6,)).tolist() for _ in range(4)])
    saved = [(x.clone(), y.clone()) for x, y in same]
    _check(lm, same, 2, "4 sentences of the same length (no padding needed)", show=False)
    for (x, y), (x0, y0) in zip(same, saved):
        assert_unchanged(x0, x, "an x of the batch")
        assert_unchanged(y0, y, "a y of the batch")
