"""Part 1's general attention math (`copy_query`, `average_query`, `single_vs_two_heads` in
query_crafting.py), graded on random orthogonal keys (hw_support/attention_math.py) rather than on the
term's K and V: the experiment's claims, the statistical tolerance, and mistakes graded through the
Gradescope entry point. Helpers and fixtures come from test_part1.py.
"""
import math

import pytest
import torch

from test_part1 import MODULE, combine, module_from, mutant, part1_tests, solution, write_submission  # noqa: F401


def test_the_experiment_shows_what_the_written_question_asks_about():
    """With the reference queries (scale 20): small variance, both designs are within the tolerance; key
    a's norm varying (stretch 0.1), the single head drifts and the two heads stay close; stretch 0.5
    hurts the two heads too (written 1.8)."""
    from hw_support import attention_math as am
    mu, V_ = am.instance(1)
    q, heads = 20.0 * (mu[3] + mu[7]), 20.0 * mu[[3, 7]]
    small, stretched, large = (am.grader_measurement(mu, V_, 3, 7, q, heads, s, 1e-6, 0) for s in (0.0, 0.1, 0.5))
    assert small["single"][0] < 0.05 and small["two"][0] < 0.05, small
    assert stretched["single"][0] > 0.3 and stretched["two"][0] < 0.05, stretched
    assert large["two"][0] > 2 * stretched["two"][0], (large, stretched)
    assert all(0.005 < tol < 0.08 for m in (small, stretched, large) for _, tol in m.values())


def test_bernstein_radius_solves_the_bound():
    from hw_support import attention_math as am
    for sigma, bound, n in ((0.02, 2.0, 2000), (0.3, 1.5, 20000), (0.0, 1.0, 100)):
        t = am.bernstein_radius(sigma, bound, n)
        assert 2 * math.exp(-n * t * t / (2 * sigma ** 2 + 2 * bound * t / 3)) == pytest.approx(am.DELTA, rel=1e-6)


def test_a_correct_experiment_passes_for_other_random_draws(module_from, solution):
    """The solution's single_vs_two_heads, run with torch seeds other than the tests', stays well inside the
    tolerance (each comparison's false-failure probability is <= 1e-6 by construction)."""
    from hw_support import attention_math as am
    module = module_from(solution, "experiment")
    mu, V_ = am.instance(11)
    q, heads = am.student_queries(module, mu, 4, 9)
    expected = am.grader_measurement(mu, V_, 4, 9, q, heads, 0.1, 1e-6, 11)
    for seed in (101, 102):
        torch.manual_seed(seed)
        got = module.single_vs_two_heads(mu.float(), V_.float(), 4, 9, 0.1, n_samples=am.STUDENT_SAMPLES)
        assert all(abs(got[k] - m) < 0.6 * tol for k, (m, tol) in expected.items()), (got, expected)


def test_general_mistakes_lose_their_tests(grade, solution, tmp_path):
    """Unscaled copy query: every copy test fails; unit-normalised average query: right for unit keys only,
    so the unequal-norm test fails; summed heads: the experiment's tests fail (the grader measures with the
    student's own, here unscaled, copy query, so the experiment is judged on its own)."""
    source = combine(solution, [mutant("copy_query", "forgets to scale"),
                                mutant("average_query", "normalises to unit length"),
                                mutant("single_vs_two_heads", "sums the two heads")])
    results = grade(write_submission(tmp_path / "general", source), only=MODULE)
    status = {t["name"]: t["status"] for t in part1_tests(results)}
    copy = [n for n in status if n.startswith("copy_query:") and "within 0.05" in n]
    assert len(copy) == 3 and all(status[n] == "failed" for n in copy), status
    avg = {n: s for n, s in status.items() if n.startswith("average_query:")}
    assert [s for n, s in avg.items() if "norms from 0.5 to 2" in n] == ["failed"]
    assert [s for n, s in avg.items() if "random orthonormal keys" in n] == ["passed", "passed"]
    experiment = {n: s for n, s in status.items() if n.startswith("single_vs_two_heads:")}
    assert [n for n, s in experiment.items() if s == "passed"] == ["single_vs_two_heads: returns {'single': float, 'two': float}"]


def test_the_graders_scores_have_the_distribution_of_the_keys_scores():
    """sample_scores draws the scores q_h . k_i without the keys (3 numbers per key instead of 64): their
    mean and covariance (Gaussian, so their whole distribution) are those of the keys sample_keys draws,
    for dependent queries (the reference's q = q_1 + q_2) and a generic one alike."""
    from hw_support import attention_math as am
    mu, _ = am.instance(11)
    a, S, stretch, alpha = 4, 20_000, 0.1, 1e-2
    g = torch.Generator().manual_seed(0)
    generic = 20.0 * (mu[4] + mu[9]) + 3.0 * torch.randn(am.D, generator=g, dtype=torch.float64)
    for queries in (20.0 * torch.stack([mu[4] + mu[9], mu[4], mu[9]]), torch.stack([generic, 20.0 * mu[4], 20.0 * mu[9]])):
        from_keys = torch.einsum("snd,hd->shn", am.sample_keys(mu, a, stretch, alpha, S, g), queries)
        drawn = am.sample_scores(mu, a, stretch, alpha, queries, S, g)
        assert drawn.shape == from_keys.shape == (S, 3, am.N)
        mean = queries @ mu.T  # (3, n)
        for i in (0, a):
            cov = alpha * queries @ queries.T + (stretch * torch.outer(queries @ mu[i], queries @ mu[i]) if i == a else 0)
            scale = cov.diagonal().sqrt()
            for scores in (from_keys, drawn):
                assert ((scores[:, :, i].mean(0) - mean[:, i]).abs() <= 5 * scale / S ** 0.5 + 1e-9).all()
                assert ((torch.cov(scores[:, :, i].T) - cov).abs() <= 0.05 * torch.outer(scale, scale) + 1e-12).all()
