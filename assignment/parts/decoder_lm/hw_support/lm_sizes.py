"""Part 4's study: the four model sizes, their parameter ranges and the metrics files' names.

train_lm.py (`--size`) trains these configurations; the autograder checks that the configuration in
each submitted `lm_metrics_<size>.json` has a parameter count (DecoderLM's, recomputed by the grader)
in its range. Counts with this data's vocabulary (60 tokens) and block size (16):
tiny 63,168; small 460,608; medium 4,976,000; large 10,699,776.
"""

# n_layer, n_embd, n_head; the AdamW learning rate; epochs of the full corpus (6000 texts, 187 steps
# of 32 each), and on a CPU the fewer epochs the two larger models train (minutes, not an hour).
SIZES = {
    "tiny": dict(n_layer=2, n_embd=48, n_head=4, lr=3e-3, epochs=8, cpu_epochs=8),
    "small": dict(n_layer=4, n_embd=96, n_head=4, lr=2e-3, epochs=8, cpu_epochs=8),
    "medium": dict(n_layer=4, n_embd=320, n_head=5, lr=1e-3, epochs=8, cpu_epochs=4),
    "large": dict(n_layer=6, n_embd=384, n_head=6, lr=6e-4, epochs=8, cpu_epochs=3),
}

# parameters, lower bound inclusive, upper bound exclusive (None: no upper bound)
PARAMETER_RANGES = {
    "tiny": (1, 100_000),
    "small": (250_000, 1_000_000),
    "medium": (2_500_000, 10_000_000),
    "large": (10_000_000, None),
}

MAIN = "main"  # the default run of train_lm.py (no --size): the model in lm_params.pt


def metrics_name(size, num_train=None):
    """lm_metrics_<size>[_n<N>].json; size "main" for the default run."""
    return f"lm_metrics_{size}" + (f"_n{num_train}" if num_train else "") + ".json"


def in_range(size, n):
    low, high = PARAMETER_RANGES[size]
    return n >= low and (high is None or n < high)


def describe_range(size):
    low, high = PARAMETER_RANGES[size]
    return f"at least {low:,}" + (f" and below {high:,}" if high is not None else "") + " parameters"
