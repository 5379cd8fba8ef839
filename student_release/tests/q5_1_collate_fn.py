from otter.test_files import test_case
import torch
from hw_support import ft_checks
from hw_support.checks import seed_all

OK_FORMAT = False
name = "q5_1_collate_fn"


def _tokenizer(finetune_support):
    """The release's pretrained tokenizer (data/pretrained/), built from its tokenizer.json."""
    return finetune_support.tokenizer_from_json(ft_checks.tokenizer_json())


def _check(finetune, tokenizer, examples, max_length, what, show):
    got = finetune.collate_fn(examples, tokenizer, max_length)
    expected = ft_checks.expected_batch(examples, max_length)
    assert isinstance(got, dict), f"collate_fn should return a dict, got {type(got).__name__}"
    missing = [k for k in expected if k not in got]
    assert not missing, (f"collate_fn's batch lacks {missing}: the model takes input_ids, attention_mask "
                         "and labels (keep the tokenizer's attention_mask)")
    for key, e in expected.items():
        g = got[key]
        assert isinstance(g, torch.Tensor), f"collate_fn: {key} should be a torch.Tensor (return_tensors=\"pt\"), got {type(g).__name__}"
        assert g.dtype == torch.long, f"collate_fn: {key} has dtype {g.dtype}, expected torch.int64 (long)"
        assert tuple(g.shape) == tuple(e.shape), (
            f"collate_fn on {what}: {key} has shape {tuple(g.shape)}, expected {tuple(e.shape)} "
            f"(B, the longest tokenized text, at most max_length={max_length}: padding=True, truncation=True)")
        if not torch.equal(g, e):
            msg = f"collate_fn on {what}: {key} is wrong"
            if key == "attention_mask":
                msg += " (1 on real tokens, 0 on padding)"
            if show:
                msg += f"\nexpected\n{e}\ngot\n{g}"
            raise AssertionError(msg)


@test_case(name="collate_fn: 3 reviews, keys, dtypes, padding to the longest, labels (worked example)", points=2)
def public_worked_example(finetune, finetune_support):
    seed_all(501)
    examples = [{"text": "the movie was great .", "label": 1},
                {"text": "the plot was not good but the acting was superb .", "label": 1},
                {"text": "a dismal film .", "label": 0}]
    _check(finetune, _tokenizer(finetune_support), examples, 48, "the worked example", show=True)


@test_case(name="collate_fn: truncation at max_length", points=1)
def public_truncation(finetune, finetune_support):
    seed_all(502)
    examples = [{"text": "the food was very very very good and the service was really excellent .", "label": 1},
                {"text": "bad .", "label": 0}]
    _check(finetune, _tokenizer(finetune_support), examples, 8, "two reviews with max_length=8", show=True)
