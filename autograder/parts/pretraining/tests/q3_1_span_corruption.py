# Hidden cases, appended by build.py to the public test file of the same name.
# The grader's own corpus: random documents (never the release's), several block sizes, fixed seeds.
#
# False-failure rates on a correct implementation (each below 1e-4):
# - coverage of the truncation lengths: with K = int(B*7/8) - 3 possible lengths and N draws, a length
#   that has probability p >= 1/(2K) (half the uniform one) is missed with probability (1-p)^N, so the
#   test fails with probability <= K (1 - 1/(2K))^N: B=24 (K=18, N=1000): 18 e^-27.8 ~ 2e-11;
#   B=64 (K=53, N=2500): 53 e^-23.7 ~ 3e-9.
# - mean masked length: d = masked - truncated/4 over N = 3000 examples; pass when
#   |mean(d)| <= 0.75 + 4 SE (SE = sample sd / sqrt(N)). An implementation whose E[d] is within 0.75 of 0
#   (rounding, e.g. randint(0, n // 2) has E[d] = -1/8) fails only if the CLT z exceeds 4:
#   P(|Z| > 4) = 6.3e-5. Getting the mean wrong (n/8, n/2, a constant) gives |mean(d)| of 3 or more.
# - spread: for each truncated length n >= 8 seen >= 20 times, the masked length must take >= 2 values
#   for at least half of these n; with the reference (uniform on 0..n//2, >= 5 values) all 20 equal has
#   probability <= 5 (1/5)^20 ~ 5e-14 per n. And the masked part must be longer than n/4 at least once and
#   shorter at least once in 3000 examples.
# - short documents (block size 256, so the drawn length int 4..224 is almost always longer than the
#   documents of 8..16 characters; N = 2000 examples, seed 131): the masked length and its start must follow
#   the truncated document's actual length, not the drawn one. Two checks:
#   (a) mean masked length: |mean(masked - n/4)| <= 0.75 + 4 SE, as above: a correct implementation with
#       |E[d]| <= 0.75 fails with probability P(|Z| > 4) = 6.3e-5 (CLT); for the reference (|E[d]| <= 0.25,
#       d in [-4, 4] since n <= 16) Hoeffding gives <= 2 exp(-2 N 0.5^2 / 8^2) = 2 e^-15.6 = 3e-7.
#   (b) the masked content is empty in at most half of the examples. The reference has P(empty) =
#       1/(n//2 + 1) <= 1/5 for n >= 8: Chernoff gives P(fraction >= 1/2) <= exp(-N KL(1/2 || 1/5)) =
#       e^-446; any correct implementation with P(empty) <= 1/3: exp(-N KL(1/2 || 1/3)) = e^-118.
#   Drawing them from the drawn length (the span mostly starts past the document's end) gives
#   mean(d) ~ -1.7 and ~77% empty examples (simulated), far beyond both limits.
from otter.test_files import test_case
from hw_support.checks import seed_all
from hw_support.span_checks import (check_lengths_cover, masked_stats, parse_all, random_corpus, sample,
                                    varied_fraction, vocab_for)


def _examples(dataset, docs, block_size, n, seed):
    text = "\n".join(docs)
    ds = dataset.CharCorruptionDataset(text, block_size)
    _, itos = vocab_for(text)
    assert len(ds) == len(docs), "len(dataset) should be the number of documents"
    seed_all(seed)
    idx = [i % len(docs) for i in range(n)]
    items = sample(dataset, ds, idx, seed, docs, block_size)
    return parse_all(items, [docs[i] for i in idx], block_size, itos, show=False, indices=idx)


@test_case(name="CharCorruptionDataset: well-formed examples on the grader's corpus, block sizes 8, 24, 64 and 128",
           points=2, hidden=True)
def hidden_structure(dataset):
    for block_size, seed in ((8, 101), (24, 102), (64, 103), (128, 104)):
        docs = random_corpus(seed, 40, 0, 2 * block_size)
        _examples(dataset, docs, block_size, 200, seed)


@test_case(name="CharCorruptionDataset: short and empty documents are used whole", points=1, hidden=True)
def hidden_short_documents(dataset):
    docs = ["", "a", "ab", "abc", "abcd", "abcde", "lorem ipsum"]
    got = _examples(dataset, docs, 16, 350, 105)
    for (n, m), doc in zip(got, docs * 50):
        if len(doc) < 4:
            assert n == len(doc), "a document shorter than 4 characters should be used whole"
        assert m <= n


@test_case(name="CharCorruptionDataset: every truncated length from 4 to int(block_size * 7 / 8) occurs "
                "(block sizes 24 and 64)", points=2, hidden=True)
def hidden_truncation_range(dataset):
    for block_size, n, seed in ((24, 1000, 111), (64, 2500, 112)):
        limit = int(block_size * 7 / 8)
        docs = random_corpus(seed, 50, limit + 1, limit + 40)
        lengths = [t for t, _ in _examples(dataset, docs, block_size, n, seed)]
        check_lengths_cover(lengths, block_size)


@test_case(name="CharCorruptionDataset: masked length is 1/4 of the truncated length on average, and random",
           points=2, hidden=True)
def hidden_masked_length(dataset):
    docs = random_corpus(121, 50, 60, 100)
    pairs = _examples(dataset, docs, 64, 3000, 121)
    mean, se, more, less = masked_stats(pairs)
    tol = 0.75 + 4 * se
    assert abs(mean) <= tol, (
        f"the masked content should be 1/4 of the truncated length on average: over 3000 examples it was "
        f"{mean:+.2f} characters off on average (allowed: {tol:.2f})")
    assert more > 0 and less > 0, (
        "the masked length should sometimes be more and sometimes less than 1/4 of the truncated length "
        f"(more: {more}, less: {less} of 3000 examples)")
    frac = varied_fraction(pairs)
    assert frac >= 0.5, (
        "the masked length should be random: for a given truncated length it almost always had the same value "
        f"(varied for only {100 * frac:.0f}% of the lengths)")


@test_case(name="CharCorruptionDataset: on documents shorter than the drawn length, the masked content is 1/4 of "
                "the document on average and lies inside it", points=2, hidden=True)
def hidden_short_document_masks(dataset):
    docs = random_corpus(131, 40, 8, 16)
    pairs = _examples(dataset, docs, 256, 2000, 131)
    mean, se, _, _ = masked_stats(pairs)
    tol = 0.75 + 4 * se
    hint = ("a document shorter than the drawn length is used whole, so draw the masked length and its start from "
            "len(document[:length]), the truncated document's actual length, not from the drawn length")
    assert abs(mean) <= tol, (
        f"on documents of 8 to 16 characters (block_size 256), the masked content should be 1/4 of the truncated "
        f"document on average: over 2000 examples it was {mean:+.2f} characters off on average (allowed: "
        f"{tol:.2f}); {hint}")
    empty = sum(m == 0 for _, m in pairs) / len(pairs)
    assert empty <= 0.5, (
        f"on documents of 8 to 16 characters (block_size 256), the masked content was empty in {100 * empty:.0f}% "
        f"of 2000 examples; {hint}")
