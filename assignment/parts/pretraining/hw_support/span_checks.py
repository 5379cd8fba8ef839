"""Checks of CharCorruptionDataset examples (Part 3), shared by the public and the hidden tests.

`parse_item` takes one (x, y) pair and checks everything the spec says about a single example; the
statistical helpers look at many examples. Messages describe the problem without revealing the
grader's documents (`show=False`).
"""
import random

import torch

MASK_CHAR = "\u2047"
PAD_CHAR = "\u25A1"


def vocab_for(text):
    """(stoi, itos) that CharCorruptionDataset must build for `text`: PAD 0, MASK 1, sorted chars."""
    itos = [PAD_CHAR, MASK_CHAR] + sorted(set(text))
    return {c: i for i, c in enumerate(itos)}, itos


def random_corpus(seed, n_docs, min_len, max_len, alphabet="abcdefghijklmnopqrstuvwxyz ,.'"):
    """The grader's own documents: random text, lengths uniform in [min_len, max_len]."""
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(min_len, max_len))) for _ in range(n_docs)]


def _as_ids(t, what, block_size):
    assert isinstance(t, torch.Tensor), f"{what} should be a torch.Tensor, got {type(t).__name__}"
    assert t.dtype == torch.long, f"{what} should have dtype torch.long, got {t.dtype}"
    assert tuple(t.shape) == (block_size,), (
        f"{what} should have shape ({block_size},) for block_size {block_size}, got {tuple(t.shape)} "
        f"(pad the rearranged string to block_size + 1 characters, then drop one character)")
    return [int(i) for i in t.tolist()]  # tolist: one call, not a tensor per element


def _where(doc, block_size, show, index):
    """Where an example comes from: the document itself (public tests) or only its index and length."""
    if show:
        return f" (document {doc!r}, {len(doc)} characters, block_size {block_size})"
    at = f"document {index}, " if index is not None else "a document of "
    return f" ({at}{len(doc)} characters, block_size {block_size})"


def departure(prefix, masked, suffix, doc):
    """Why prefix + masked + suffix is not the start of `doc`, naming the first differing character."""
    truncated = prefix + masked + suffix
    if prefix + masked and doc.startswith(prefix + suffix + masked):
        return ("the pieces are in the wrong order: the example must be prefix MASK suffix MASK masked_content "
                "(the masked content comes last, after the second MASK)")
    i = next((k for k, (a, b) in enumerate(zip(truncated, doc)) if a != b), min(len(truncated), len(doc)))
    if i >= len(doc):
        return (f"prefix + masked_content + suffix has {len(truncated)} characters, but the document has only "
                f"{len(doc)}: keep document[:length] and add nothing to it")
    piece = "prefix" if i < len(prefix) else "masked_content" if i < len(prefix) + len(masked) else "suffix"
    return (f"your {piece} differs from the document at character {i}: {truncated[i]!r} vs {doc[i]!r} "
            f"(prefix + masked_content + suffix, read from your example as prefix MASK suffix MASK masked_content, "
            f"must be document[:length]) — do not strip or change the document")


def parse_item(item, doc, block_size, itos, show=True, index=None):
    """Check one example of document `doc`; returns (truncated length, masked length).

    Checks: a pair (x, y) of long tensors of length block_size; y is x shifted by one; the string
    is prefix MASK suffix MASK masked, then only PADs; prefix + masked + suffix is the start of the
    document, at most int(block_size * 7 / 8) long and at least 4 long (or the whole document).
    Messages name the document's index (`index`) and length, and show it only with `show`.
    """
    where = _where(doc, block_size, show, index)
    assert isinstance(item, (tuple, list)) and len(item) == 2, (
        f"dataset[i] should return a pair (x, y), got {type(item).__name__}" + where)
    x, y = (_as_ids(t, n, block_size) for t, n in zip(item, ("x", "y")))
    assert x[1:] == y[:-1], "y should be x shifted left by one (y[:-1] == x[1:])" + where
    for i in x + y[-1:]:
        assert 0 <= i < len(itos), f"id {i} is not in the vocabulary (use self.stoi)" + where
    s = "".join(itos[i] for i in x + y[-1:])
    body = s.rstrip(PAD_CHAR)
    assert PAD_CHAR not in body, "PAD characters may appear only at the end, after the masked content" + where
    pieces = body.split(MASK_CHAR)
    assert len(pieces) == 3, (f"expected exactly two MASK characters (prefix MASK suffix MASK masked), found "
                              f"{len(pieces) - 1}" + where)
    prefix, suffix, masked = pieces
    truncated = prefix + masked + suffix
    limit = int(block_size * 7 / 8)
    assert doc.startswith(truncated), departure(prefix, masked, suffix, doc) + where
    assert len(truncated) <= limit, (
        f"the truncated document has {len(truncated)} characters, more than int(block_size * 7 / 8) = {limit}" + where)
    assert len(truncated) >= 4 or truncated == doc, (
        f"your example keeps {len(truncated)} characters of a document of {len(doc)}: keep document[:length] for a "
        f"length drawn from 4 to {limit} (the whole document only when it is shorter than that length); do not "
        "strip or change the document" + where)
    return len(truncated), len(masked)


def parse_all(items, docs, block_size, itos, show=True, indices=None):
    """parse_item on every example; `indices` (the documents' indices) name them in messages."""
    indices = indices if indices is not None else [None] * len(docs)
    return [parse_item(item, doc, block_size, itos, show, i) for item, doc, i in zip(items, docs, indices)]


def sample(dataset, ds, indices, seed, docs, block_size):
    """dataset.sample_items(ds, indices, seed); when the student's code raises, an AssertionError that
    names the index and length of the document whose example raised (found by replaying the seeded run)."""
    try:
        return dataset.sample_items(ds, indices, seed)
    except Exception as e:
        if type(e).__name__ in ("StudentTimeout", "StudentCrash"):
            raise
        error = e
    k = _first_failing(dataset, ds, indices, seed)
    what = str(error).strip().splitlines()[-1][:300] if str(error).strip() else ""
    if k is None:
        raise AssertionError(f"dataset[i] raised {type(error).__name__}: {what} (block_size {block_size})") from error
    i = indices[k]
    raise AssertionError(f"dataset[{i}] raised {type(error).__name__}: {what} (document {i} has {len(docs[i])} "
                         f"characters; block_size {block_size}; example {k} of a seeded run)") from error


def _first_failing(dataset, ds, indices, seed):
    """The position of the first example that raises when the seeded run is replayed (None if none does)."""
    def raises(n):
        try:
            dataset.sample_items(ds, indices[:n], seed)
        except Exception as e:
            if type(e).__name__ in ("StudentTimeout", "StudentCrash"):
                raise
            return True
        return False

    lo, hi = 0, len(indices)  # the first lo examples run; the first hi raise
    if not raises(hi):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if raises(mid) else (mid, hi)
    return hi - 1


def check_lengths_cover(lengths, block_size):
    """Every truncation length 4..int(block_size*7/8) occurs (documents longer than that limit)."""
    limit = int(block_size * 7 / 8)
    seen = set(lengths)
    assert min(seen) >= 4 and max(seen) <= limit, "truncation lengths out of range"
    missing = [n for n in range(4, limit + 1) if n not in seen]
    assert not missing, (
        f"block_size {block_size}: over {len(lengths)} examples of long documents, the truncated length never "
        f"was {', '.join(map(str, missing[:8]))}{'...' if len(missing) > 8 else ''}: every length from 4 to "
        f"int(block_size * 7 / 8) = {limit}, both included, must be possible")


def masked_stats(pairs):
    """(mean of masked - truncated/4, its standard error, #more than 1/4, #less than 1/4)."""
    d = [m - n / 4 for n, m in pairs]
    mean = sum(d) / len(d)
    sd = (sum((v - mean) ** 2 for v in d) / max(1, len(d) - 1)) ** 0.5
    more = sum(m > n / 4 for n, m in pairs)
    less = sum(m < n / 4 for n, m in pairs)
    return mean, sd / len(d) ** 0.5, more, less


def varied_fraction(pairs, min_count=20):
    """Fraction of the truncated lengths (seen at least `min_count` times) with >= 2 masked lengths."""
    by_n = {}
    for n, m in pairs:
        by_n.setdefault(n, []).append(m)
    groups = [ms for n, ms in by_n.items() if len(ms) >= min_count and n >= 8]
    if not groups:
        return 1.0
    return sum(len(set(ms)) >= 2 for ms in groups) / len(groups)
