from otter.test_files import test_case
from hw_support.checks import seed_all
from hw_support.span_checks import check_lengths_cover, parse_all, sample, vocab_for

OK_FORMAT = False
name = "q3_1_span_corruption"

DOCS = ["Ana Lune was born in Lyon. She studied in Paris.", "Bo Kim was born in Oslo.", "Cy", "",
        "Dee Vo was a poet born in Rome. Vo died in Nice, and Vo lived in Bern for many years."]
TEXT = "\n".join(DOCS)


@test_case(name="CharCorruptionDataset: every example is prefix MASK suffix MASK masked PAD..., x/y shifted, "
                "of length block_size (block sizes 16 and 64)", points=3)
def public_examples(dataset):
    for block_size in (16, 64):
        ds = dataset.CharCorruptionDataset(TEXT, block_size)
        stoi, itos = vocab_for(TEXT)
        # the given constructor: PAD 0, MASK 1, then the sorted characters; one document per line
        assert dict(ds.stoi) == stoi and len(ds) == len(DOCS), "do not change CharCorruptionDataset.__init__"
        seed_all(31)
        idx = [i % len(DOCS) for i in range(100)]
        items = sample(dataset, ds, idx, 31, DOCS, block_size)
        parse_all(items, [DOCS[i] for i in idx], block_size, itos, indices=idx)


@test_case(name="CharCorruptionDataset: truncated lengths cover 4 .. int(block_size * 7 / 8) (block size 16)",
           points=1)
def public_truncation_range(dataset):
    doc = "Ana Lune was born in Lyon. She studied in Paris."
    ds = dataset.CharCorruptionDataset(doc, 16)
    _, itos = vocab_for(doc)
    seed_all(32)
    items = sample(dataset, ds, [0] * 600, 32, [doc], 16)
    lengths = [n for n, _ in parse_all(items, [doc] * 600, 16, itos)]
    # 11 possible lengths; a uniform choice misses one of them in 600 draws with probability
    # at most 11 * (10/11)^600 < 1e-23
    check_lengths_cover(lengths, 16)
