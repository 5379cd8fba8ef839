# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import torch
from hw_support.checks import assert_tensor, assert_unchanged, seed_all


def _spread_logits(B, V, low=-1.2, high=1.2):
    """Rows of V distinct logits evenly spread over [low, high], each row in a random order."""
    base = torch.linspace(low, high, V)
    return torch.stack([base[torch.randperm(V)] for _ in range(B)])


@test_case(name="sample_next_token: a tiny temperature (0.01) samples the argmax", points=1, hidden=True)
def hidden_tiny_temperature(lm):
    # gaps between logits are >= 1, so at T = 0.01 any other token has probability < 9 e^-100 per
    # draw: a correct sampler fails with probability < 6000 * 9 e^-100 (about 2e-39)
    seed_all(433)
    logits = torch.stack([torch.randperm(10).float() for _ in range(3)])
    samples = _samples(lm, logits, 2000, 433, temperature=0.01)
    wrong = int((samples != logits.argmax(-1)).sum())
    assert wrong == 0, f"sample_next_token(do_sample=True, temperature=0.01): {wrong} of 6000 draws were not the argmax"


@test_case(name="sample_next_token: a huge temperature (1e6) samples near uniformly", points=1, hidden=True)
def hidden_huge_temperature(lm):
    # 3 chi-square comparisons with the uniform distribution (logits / 1e6 differ by < 1e-5, a bias
    # far below what 20000 draws resolve): false-failure probability <= 3e-6
    seed_all(434)
    logits = torch.stack([torch.randperm(10).float() * 2 for _ in range(3)])
    samples = _samples(lm, logits, 20000, 434, temperature=1e6)
    for b in range(3):
        _check_distribution(samples[:, b], torch.full((10,), 0.1, dtype=torch.float64),
                            f"sample_next_token(do_sample=True, temperature=1e6), row {b}")


@test_case(name="sample_next_token: temperatures 0.5, 1 and 2 sample softmax(logits / temperature)", points=2, hidden=True)
def hidden_temperatures(lm):
    # 3 temperatures x 3 rows = 9 chi-square comparisons: false-failure probability <= 9e-6;
    # the smallest expected count is 20000 * softmax(2 * linspace(-1.2, 1.2, 6))[0] = 102
    seed_all(435)
    logits = _spread_logits(3, 6)
    for i, t in enumerate((0.5, 1.0, 2.0)):
        samples = _samples(lm, logits, 20000, 435 + i, temperature=t)
        for b in range(3):
            _check_distribution(samples[:, b], torch.softmax(logits[b].double() / t, dim=-1),
                                f"sample_next_token(do_sample=True, temperature={t}), row {b}")


@test_case(name="sample_next_token: top_k keeps exactly the k largest logits, renormalised (with temperatures)", points=1, hidden=True)
def hidden_top_k_distribution(lm):
    # 5 settings x 2 rows = 10 chi-square comparisons: false-failure probability <= 1e-5
    seed_all(436)
    logits = _spread_logits(2, 8, -0.8, 0.8)
    for i, (k, t) in enumerate(((3, 1.0), (5, 0.5), (2, 2.0), (8, 1.0), (1, 1.0))):
        samples = _samples(lm, logits, 20000, 436 + i, top_k=k, temperature=t)
        for b in range(2):
            probs = _top_k_probs(logits[b], k, t)
            if k == 1:
                assert torch.equal(samples[:, b], torch.full_like(samples[:, b], int(logits[b].argmax()))), \
                    "sample_next_token(top_k=1) should always draw the argmax"
            else:
                _check_distribution(samples[:, b], probs, f"sample_next_token(do_sample=True, top_k={k}, temperature={t}), row {b}")


@test_case(name="sample_next_token: one row, logits unchanged, token ids of dtype long", points=1, hidden=True)
def hidden_shapes(lm):
    seed_all(437)
    logits = torch.randn(1, 7)
    saved = logits.clone()
    for kwargs in ({"do_sample": False}, {"do_sample": True}, {"do_sample": True, "top_k": 2, "temperature": 0.7}):
        got = lm.sample_next_token(logits, **kwargs)
        assert_tensor(got, f"sample_next_token(logits of shape (1, 7), {kwargs})", shape=(1,))
        assert got.dtype == torch.long, f"sample_next_token({kwargs}) returned dtype {got.dtype}, expected torch.long"
        assert_unchanged(saved, logits, "logits")
    wide = torch.randn(5, 300)
    got = lm.sample_next_token(wide, temperature=0.001, do_sample=False)
    assert torch.equal(got, wide.argmax(-1)), "sample_next_token(do_sample=False) on (5, 300) logits is not the argmax"
