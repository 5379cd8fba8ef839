from otter.test_files import test_case
from hw_support.checks import seed_all
from hw_support.lm_study_checks import (check_continuations, normalise_continuations, reference_continuations,
                                        tiny_lm, tiny_lm_state)

OK_FORMAT = False
name = "q4_10_top_k_continuations"

# The model is the given DecoderLM with no blocks (n_layer=0), holding random weights: its next-token
# distribution depends on the last token and its position only, so these tests do not need your block.


@test_case(name="top_k_continuations: 3 steps, top 3, from prompt [1, 4] (V=10, block_size 8)", points=1)
def public_small_example(lm):
    seed_all(4101)
    state = tiny_lm_state(10, 8, 6, seed=4101)
    what = "top_k_continuations(model, [1, 4], n_steps=3, k=3)"
    got = normalise_continuations(lm.top_k_continuations(tiny_lm(lm, state), [1, 4], 3, 3), 3, 3, what)
    check_continuations(got, reference_continuations(state, [1, 4], 3, 3), what, show=True)


@test_case(name="top_k_continuations: probabilities of the most likely first, each step extends the greedy path", points=1)
def public_greedy_path(lm):
    seed_all(4102)
    state = tiny_lm_state(12, 16, 8, seed=4102)
    what = "top_k_continuations(model, [1, 7, 3], n_steps=6, k=4)"
    got = normalise_continuations(lm.top_k_continuations(tiny_lm(lm, state), [1, 7, 3], 6, 4), 6, 4, what)
    for s, step in enumerate(got):
        probs = [p for _, p in step]
        assert probs == sorted(probs, reverse=True), f"{what}: step {s} is not sorted, most likely first: {probs}"
        assert all(0 <= p <= 1 for p in probs) and sum(probs) <= 1 + 1e-6, \
            f"{what}: step {s}'s probabilities {probs} are not probabilities of one distribution"
    check_continuations(got, reference_continuations(state, [1, 7, 3], 6, 4), what, show=True)
