"""Part 2's experiment kit: your own similarity function, for `python experiment.py --similarity mine`.

This file is yours to edit and is not graded (describe what you tried in your report). The kit puts
`my_similarity` in the place of `attention.pairwise_similarities` while your `self_attention` runs, so
what it returns is still scaled by 1/sqrt(d), masked and softmaxed by your code.
"""
import torch  # noqa: F401  (you will likely need it)


def my_similarity(Q, K):
    """Scores of every query with every key: Q (..., T_q, d), K (..., T_k, d) -> (..., T_q, T_k).

    The leading dims are (batch, head). Any differentiable function of Q and K works; ideas: a negative
    squared distance, a kernel with no parameters, a bounded score. Keep it cheap: it runs in every layer.
    """
    raise NotImplementedError("experiment_hooks.my_similarity: write your similarity (see its docstring)")
