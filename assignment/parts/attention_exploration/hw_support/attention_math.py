"""Part 1 grading helpers for the general attention math (copy_query, average_query, single_vs_two_heads).

Random instances: n = 16 orthogonal keys in d = 64 (orthonormal, or with norms drawn from [0.5, 2]),
values uniform in [-1, 1]; every answer is checked with the grader's own float64 attention.
The experiment is checked against the grader's own measurement, made with the student's own queries
and the grader's own sampler (GRADER_SAMPLES samples of the keys' scores, drawn exactly as the keys
would give them: sample_scores). Two means of bounded errors differ by more
than `tolerance` with probability at most 2 * DELTA when both are right (Bernstein's inequality on
each mean; see `bernstein_radius`), so a correct function fails one comparison at most 1e-6 of the time.
"""
import math

import torch

from hw_support.checks import seed_all
from hw_support.exploration import answer

N, D = 16, 64
TOLERANCE = 0.05  # max abs element-wise error of the attention output
GRADER_SAMPLES = 20_000  # the grader's own measurement
STUDENT_SAMPLES = 2_000  # n_samples passed to single_vs_two_heads
DELTA = 5e-7  # per mean: P(|mean - expectation| > radius) <= DELTA; a comparison has two means
SIGMA_SLACK = 1.1  # the grader's standard deviation, estimated from its own samples, times this (plus 1e-3)


def instance(seed, norms=(1.0, 1.0)):
    """(K, V) in float64 for `seed`: N keys in R^D, pairwise orthogonal, with norms uniform in `norms`;
    values uniform in [-1, 1]. Seeds python, numpy and torch (hw_support.checks.seed_all)."""
    g = seed_all(seed)
    Q, _ = torch.linalg.qr(torch.randn(D, N, generator=g, dtype=torch.float64))  # orthonormal columns
    lo, hi = norms
    scale = lo + (hi - lo) * torch.rand(N, 1, generator=g, dtype=torch.float64)
    V = 2 * torch.rand(N, D, generator=g, dtype=torch.float64) - 1
    return Q.T.contiguous() * scale, V


def attend(q, K, V):
    """softmax(q K^T) V in float64."""
    return torch.softmax(q @ K.T, dim=-1) @ V


def query(got, fn):
    """A student's query as a float64 tensor of shape (D,) (AssertionError saying what is wrong)."""
    return answer(got, fn, (D,))


def within(out, target, fn, what):
    """The output is within TOLERANCE of the target (max abs element-wise difference); no values shown."""
    assert torch.isfinite(out).all(), f"{fn}: the attention output is NaN or infinite: the scores overflow"
    err = (out - target).abs().max().item()
    assert err <= TOLERANCE, f"{fn}: max abs error {err:.4g} between the attention output and {what} (tolerance {TOLERANCE})"


def sample_keys(mu, stretched, stretch, alpha, samples, generator):
    """(samples, n, d) float64 keys: mu_i + N(0, alpha I), key `stretched` plus sqrt(stretch) z mu_stretched
    (the experiment's keys, as single_vs_two_heads draws them; the grader draws only their scores, sample_scores)."""
    n, d = mu.shape
    keys = mu + math.sqrt(alpha) * torch.randn(samples, n, d, generator=generator, dtype=torch.float64)
    keys[:, stretched] += math.sqrt(stretch) * torch.randn(samples, 1, generator=generator, dtype=torch.float64) * mu[stretched]
    return keys


def sample_scores(mu, stretched, stretch, alpha, queries, samples, generator):
    """(samples, h, n) float64 scores q_h . k_i, for the h rows of `queries` (h, d), of keys distributed as
    sample_keys's, drawn without the keys. Exact in distribution: with queries^T = U R (U: d x h with
    orthonormal columns), a key's noise e ~ N(0, alpha I) enters the scores only as R^T U^T e, and
    U^T e ~ N(0, alpha I_h); so h numbers per key are drawn instead of d (3 instead of 64)."""
    _, R = torch.linalg.qr(queries.T)  # U's columns are orthonormal even when the queries are dependent
    z = torch.randn(samples, R.shape[0], mu.shape[0], generator=generator, dtype=torch.float64)  # U^T e / sqrt(alpha)
    scores = queries @ mu.T + math.sqrt(alpha) * (R.T @ z)  # (h, n) + (samples, h, n)
    stretch_z = torch.randn(samples, 1, generator=generator, dtype=torch.float64)
    scores[:, :, stretched] += math.sqrt(stretch) * stretch_z * (queries @ mu[stretched])
    return scores


def errors(scores, V, target):
    """Per-sample max abs errors from (samples, 3, n) scores, each of shape (samples,): single head
    (query 0), two heads (queries 1 and 2; the mean of their outputs is the output of their mean weights)."""
    w = torch.softmax(scores, dim=-1)
    e = (torch.stack([w[:, 0], w[:, 1:].mean(1)], 1) @ V - target).abs().amax(-1)  # (samples, 2)
    return e[:, 0], e[:, 1]


def bernstein_radius(sigma, bound, n, delta=DELTA):
    """t with P(|mean of n i.i.d. values in [0, bound] with std sigma - expectation| >= t) <= delta:
    Bernstein, 2 exp(-n t^2 / (2 sigma^2 + 2 bound t / 3)) = delta, solved for t."""
    L = math.log(2 / delta)
    b = 2 * L * bound / 3
    return (b + math.sqrt(b * b + 8 * n * L * sigma ** 2)) / (2 * n)


_MEASURED = {}  # {inputs: grader_measurement's result}: verify reruns the same queries for many variants
_MEASURED_MAX = 256


def grader_measurement(mu, V, a, b, q, heads, stretch, alpha, seed):
    """{"single": (mean, tolerance), "two": (mean, tolerance)}: the grader's own mean errors over
    GRADER_SAMPLES samples (sample_scores) and how far a correct student's mean over STUDENT_SAMPLES may be.
    A function of its arguments (its generator is seeded with `seed`), so each is computed once per process."""
    key = (a, b, float(stretch), float(alpha), seed) + tuple(
        t.detach().to(torch.float64).contiguous().numpy().tobytes() for t in (mu, V, q, heads))
    if key not in _MEASURED:
        if len(_MEASURED) >= _MEASURED_MAX:
            _MEASURED.pop(next(iter(_MEASURED)))
        _MEASURED[key] = _measure(mu, V, a, b, q, heads, stretch, alpha, seed)
    return dict(_MEASURED[key])


def _measure(mu, V, a, b, q, heads, stretch, alpha, seed):
    g = torch.Generator().manual_seed(10_000 + seed)
    target = (V[a] + V[b]) / 2
    bound = (V - target).abs().max().item()  # every output is a convex combination of the values
    scores = sample_scores(mu, a, stretch, alpha, torch.cat([q[None], heads]), GRADER_SAMPLES, g)
    out = {}
    for name, e in zip(("single", "two"), errors(scores, V, target)):
        sigma = SIGMA_SLACK * e.std().item() + 1e-3
        tol = bernstein_radius(sigma, bound, STUDENT_SAMPLES) + bernstein_radius(sigma, bound, GRADER_SAMPLES) + 1e-4
        out[name] = (e.mean().item(), tol)
    return out


def reported(got, fn="single_vs_two_heads"):
    """The student's {"single": float, "two": float} (AssertionError saying what is wrong)."""
    assert isinstance(got, dict), f"{fn} should return a dict {{'single': float, 'two': float}}, got {type(got).__name__}"
    assert set(got) == {"single", "two"}, f"{fn} should return a dict with exactly the keys 'single' and 'two', got {sorted(map(str, got))}"
    out = {}
    for k, v in got.items():
        try:
            out[k] = float(v)
        except Exception:
            raise AssertionError(f"{fn}: got[{k!r}] is a {type(v).__name__}, not a number") from None
        assert math.isfinite(out[k]) and out[k] >= 0, f"{fn}: got[{k!r}] = {out[k]}; a mean error is a finite number >= 0"
    return out


def student_queries(query_crafting, mu, a, b):
    """The student's own average_query(mu, a, b) and copy_query(mu, a), copy_query(mu, b) in float64:
    the experiment is measured with them."""
    mu32 = mu.float()
    q = query(query_crafting.average_query(mu32.clone(), a, b), "average_query (your single-head query)")
    heads = torch.stack([query(query_crafting.copy_query(mu32.clone(), h), "copy_query (your head query)") for h in (a, b)])
    return q, heads


def check_experiment(query_crafting, seed, a, b, stretch, alpha=1e-6, show=True):
    """Run the student's single_vs_two_heads on a random instance and compare it with the grader's measurement."""
    mu, V = instance(seed)
    q, heads = student_queries(query_crafting, mu, a, b)
    seed_all(seed)
    got = reported(query_crafting.single_vs_two_heads(mu.float(), V.float(), a, b, stretch,
                                                      n_samples=STUDENT_SAMPLES, alpha=alpha))
    expected = grader_measurement(mu, V, a, b, q, heads, stretch, alpha, seed)
    for name, (mean, tol) in expected.items():
        what = {"single": "single head", "two": "two heads"}[name]
        msg = (f"single_vs_two_heads(a={a}, b={b}, stretch={stretch}, alpha={alpha}): your {what} error "
               f"{got[name]:.4f} differs from the grader's measurement with your own queries")
        msg += f" ({mean:.4f}) by more than {tol:.4f}" if show else f" by more than {tol:.4f}"
        assert abs(got[name] - mean) <= tol, msg + "; check the key sampling, the heads' average and the error"
