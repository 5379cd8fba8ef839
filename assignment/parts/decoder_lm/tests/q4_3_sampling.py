from otter.test_files import test_case
import torch
from hw_support.checks import assert_tensor, seed_all
from hw_support.lm_checks import chi_square_pvalue, counts_of

OK_FORMAT = False
name = "q4_3_sampling"

# Statistical cases draw n samples per row of logits with lm.sample_many (given: it seeds torch in
# your process, so a run is reproducible) and compare the counts with the expected probabilities by
# a chi-square test at level ALPHA = 1e-6 (expected counts are at least 100 per category). A correct
# sampler fails one such comparison with probability at most 1e-6, so a case making m comparisons
# fails a correct sampler with probability at most m * 1e-6 (union bound), whatever its random stream.
ALPHA = 1e-6


def _samples(lm, logits, n, seed, **kwargs):
    lm.sample_next_token  # what sample_many (given) calls n times, in your process
    got = lm.sample_many(logits, n, seed, do_sample=True, **kwargs)
    assert_tensor(got, f"sample_many (calling sample_next_token) with {kwargs}", shape=(n, logits.shape[0]))
    return got


def _check_distribution(samples, probs, what):
    """Counts of `samples` (n,) against `probs` (V,): no token of probability 0, then a chi-square test."""
    V = probs.numel()
    counts = counts_of(samples, V)
    zero = probs == 0
    assert int(counts[zero].sum()) == 0, (
        f"{what}: drew {int(counts[zero].sum())} of {samples.numel()} tokens that should have probability 0")
    p, stat = chi_square_pvalue(counts[~zero], probs[~zero])
    assert p >= ALPHA, (f"{what}: the sampled frequencies do not match the expected probabilities "
                        f"(chi-square {stat:.1f}, p = {p:.2g} < {ALPHA:g})")


def _top_k_probs(logits_row, k, temperature=1.0):
    keep = torch.zeros_like(logits_row, dtype=torch.bool)
    keep[torch.topk(logits_row, k).indices] = True
    probs = torch.softmax((logits_row / temperature).double().masked_fill(~keep, float("-inf")), dim=-1)
    return probs.masked_fill(~keep, 0.0)


@test_case(name="sample_next_token: greedy (do_sample=False) is the argmax of each row, shape (B,)", points=1)
def public_greedy(lm):
    seed_all(431)
    logits = torch.randn(4, 10)
    for kwargs in ({}, {"temperature": 0.5}, {"temperature": 3.0, "top_k": 3}):
        got = lm.sample_next_token(logits, do_sample=False, **kwargs)
        assert_tensor(got, f"sample_next_token(logits of shape (4, 10), do_sample=False, {kwargs})", shape=(4,))
        assert got.dtype in (torch.long, torch.int64), f"sample_next_token should return token ids (torch.long), got {got.dtype}"
        assert torch.equal(got, logits.argmax(-1)), (
            f"sample_next_token(do_sample=False, {kwargs}) returned {got.tolist()}, expected the argmax {logits.argmax(-1).tolist()}")


@test_case(name="sample_next_token: top_k=4 never draws a token outside the 4 largest logits", points=1)
def public_top_k_support(lm):
    seed_all(432)
    logits = torch.randn(2, 12)
    samples = _samples(lm, logits, 4000, 432, top_k=4)
    for b in range(2):
        allowed = set(torch.topk(logits[b], 4).indices.tolist())
        outside = sorted(set(samples[:, b].tolist()) - allowed)
        assert not outside, f"sample_next_token(top_k=4) drew token(s) {outside} of row {b}, outside its top 4 {sorted(allowed)}"
