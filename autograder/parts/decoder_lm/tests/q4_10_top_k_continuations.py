# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case


@test_case(name="top_k_continuations: several models, prompts, steps and k (k = 1 up to the whole vocabulary)", points=2, hidden=True)
def hidden_random_models(lm):
    seed_all(4103)
    for i, (V, block, C, prompt, n, k) in enumerate([(9, 12, 5, [1], 5, 1), (15, 16, 8, [1, 2, 3, 4, 5], 4, 5),
                                                     (7, 10, 6, [1, 6], 3, 7), (30, 16, 12, [1, 9, 9, 2], 8, 3)]):
        state = tiny_lm_state(V, block, C, seed=4103 + i)
        what = f"top_k_continuations(model, {prompt}, n_steps={n}, k={k}) (V={V})"
        got = normalise_continuations(lm.top_k_continuations(tiny_lm(lm, state), prompt, n, k), n, k, what)
        check_continuations(got, reference_continuations(state, prompt, n, k), what, show=False)


@test_case(name="top_k_continuations: generation past block_size runs on the last block_size tokens", points=1, hidden=True)
def hidden_past_block_size(lm):
    seed_all(4104)
    state = tiny_lm_state(11, 6, 7, seed=4104)
    what = "top_k_continuations(model, [1, 3, 5, 2], n_steps=7, k=2) with block_size 6"
    got = normalise_continuations(lm.top_k_continuations(tiny_lm(lm, state), [1, 3, 5, 2], 7, 2), 7, 2, what)
    check_continuations(got, reference_continuations(state, [1, 3, 5, 2], 7, 2), what, show=False)
