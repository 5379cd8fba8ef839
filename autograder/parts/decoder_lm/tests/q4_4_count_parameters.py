# Hidden cases, appended by build.py to the public test file of the same name.
from otter.test_files import test_case
import random


def _closed_form(V, T, L, C, K=None):
    """The count, written out independently of lm.py (checked against the built models in tests/test_part4.py)."""
    per_layer = 12 * C * C + 13 * C  # 2 LayerNorms 4C, c_attn 3C^2+3C, c_proj C^2+C, mlp 8C^2+5C
    return 2 * V * C + T * C + L * per_layer + 2 * C + (0 if K is None else K * C + K)


def _check(lm, configs, what):
    for V, T, L, C, K in configs:
        got = lm.count_parameters(V, T, L, C, n_classes=K)
        assert isinstance(got, int) and not isinstance(got, bool), f"count_parameters should return an int, got {type(got).__name__}"
        assert got == _closed_form(V, T, L, C, K), (
            f"count_parameters(vocab_size={V}, block_size={T}, n_layer={L}, n_embd={C}, n_classes={K}) is wrong ({what})")


@test_case(name="count_parameters: 30 random configurations without a classifier", points=2, hidden=True)
def hidden_random_configs(lm):
    rng = random.Random(441)
    configs = [(rng.randint(2, 70000), rng.randint(1, 4096), rng.randint(0, 48), rng.randint(1, 2048), None)
               for _ in range(30)]
    _check(lm, configs, "random configurations")


@test_case(name="count_parameters: with classifier heads of 2 to 1000 classes", points=1, hidden=True)
def hidden_classifier_heads(lm):
    rng = random.Random(442)
    configs = [(rng.randint(2, 70000), rng.randint(1, 4096), rng.randint(1, 48), rng.randint(1, 2048),
                rng.choice([2, 3, 5, 10, 1000])) for _ in range(15)]
    _check(lm, configs, "with a classifier head")


@test_case(name="count_parameters: GPT-2 and GPT-3 sized models, without building them", points=1, hidden=True)
def hidden_large_models(lm):
    # GPT-2 small (124M with a tied head; untied here), GPT-2 XL and GPT-3 175B's shapes
    _check(lm, [(50257, 1024, 12, 768, None), (50257, 1024, 48, 1600, None), (50257, 2048, 96, 12288, None),
                (50257, 2048, 96, 12288, 2)], "large models")
