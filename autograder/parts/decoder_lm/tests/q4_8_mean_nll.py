# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_unchanged, seed_all


@test_case(name="mean_nll: random batches, lengths, pad ids and logit scales", points=2, hidden=True)
def hidden_random_batches(lm):
    gen = seed_all(482)
    for B, T, V, pad_id, scale in [(1, 5, 6, 0, 1.0), (6, 9, 20, 0, 3.0), (3, 4, 7, 5, 0.3), (8, 12, 30, 29, 2.0),
                                   (2, 15, 60, 1, 5.0)]:
        lengths = torch.randint(1, T + 1, (B,), generator=gen).tolist()
        lengths[0] = max(1, T - 3)
        logits, targets = padded_batch(lengths, T, V, pad_id, gen, scale=scale)
        got = as_float(lm.mean_nll(logits, targets, pad_id), "mean_nll")
        want = reference_nll(logits, targets, pad_id)
        assert abs(got - want) < 1e-4 * max(1.0, want), (
            f"mean_nll on a batch (B={B}, T={T}, V={V}, pad_id={pad_id}, lengths {lengths}) is wrong")


@test_case(name="mean_nll: agrees with DecoderLM's loss, shifted logits unchanged, inputs unchanged", points=1, hidden=True)
def hidden_properties(lm):
    gen = seed_all(483)
    logits, targets = padded_batch([5, 2, 4], 5, 9, 0, gen)
    saved = (logits.clone(), targets.clone())
    a = as_float(lm.mean_nll(logits, targets, 0), "mean_nll")
    assert_unchanged(saved[0], logits, "logits")
    assert_unchanged(saved[1], targets, "targets")
    b = as_float(lm.mean_nll(logits + 7.0, targets, 0), "mean_nll")
    assert abs(a - b) < 1e-4, "mean_nll changed when the same constant was added to every logit (softmax does not)"
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 9), targets.reshape(-1), ignore_index=0)
    assert abs(a - float(loss)) < 1e-4, "mean_nll differs from cross_entropy(..., ignore_index=pad_id), DecoderLM's loss"
