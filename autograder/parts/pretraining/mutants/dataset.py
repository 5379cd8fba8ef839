"""Mutants (realistic student mistakes) and correct alternatives of Part 3, `dataset.py`.

Read by `python build.py verify` (hwbuild/verify.py); never released. Format: hwbuild/mutants.py.
"""
from hwbuild.mutants import Alternative, Mutant

Q1 = "q3_1_span_corruption"
F = "CharCorruptionDataset"

DRAW = "length = random.randint(4, int(self.block_size * 7 / 8))"
TRUNC = "document = document[:length]"
MLEN = "masked_len = random.randint(0, n // 2)"
REARRANGE = "text = prefix + self.MASK_CHAR + suffix + self.MASK_CHAR + masked"
PAD = "text = text + self.PAD_CHAR * (self.block_size + 1 - len(text))"
START = "start = random.randint(0, n - masked_len)"
XY = "y = torch.tensor([self.stoi[c] for c in text[1:]], dtype=torch.long)"
X = "x = torch.tensor([self.stoi[c] for c in text[:-1]], dtype=torch.long)"


def _m(name, old, new):
    return Mutant(function=F, name=name, caught_by=[Q1], replace=(old, new))


def _alt(name, body):
    """An alternative __getitem__ (the rest of the class is the given code)."""
    return Alternative(function=F, name=name, code=CLASS_HEAD + body)


CLASS_HEAD = '''
class CharCorruptionDataset(Dataset):
    def __init__(self, data, block_size):
        self.MASK_CHAR = MASK_CHAR
        self.PAD_CHAR = PAD_CHAR
        chars = sorted(set(data))
        chars.insert(0, MASK_CHAR)
        chars.insert(0, PAD_CHAR)
        self.stoi = {ch: i for i, ch in enumerate(chars)}
        self.itos = {i: ch for i, ch in enumerate(chars)}
        self.block_size = block_size
        self.vocab_size = len(chars)
        self.data = data.split("\\n")

    def __len__(self):
        return len(self.data)
'''

MUTANTS = [
    _m("off-by-one: the longest length int(block_size*7/8) is never drawn", DRAW,
       "length = random.randint(4, int(self.block_size * 7 / 8) - 1)"),
    _m("randrange's exclusive upper bound: the longest length is never drawn", DRAW,
       "length = random.randrange(4, int(self.block_size * 7 / 8))"),
    _m("lengths from 0 instead of 4", DRAW, "length = random.randint(0, int(self.block_size * 7 / 8))"),
    _m("window at a random offset, not at the start of the document", TRUNC,
       "offset = random.randint(0, max(0, len(document) - length))\n        document = document[offset:offset + length]"),
    _m("truncates to block_size * 7 / 8 always (no random length)", TRUNC,
       "document = document[:int(self.block_size * 7 / 8)]"),
    _m("masked length always 1/4 of the truncated length", MLEN, "masked_len = n // 4"),
    _m("masked length always round(n / 4)", MLEN, "masked_len = round(n / 4)"),
    _m("masked length 1/2 of the truncated length on average", MLEN, "masked_len = random.randint(0, n)"),
    _m("masked length 1/8 of the truncated length on average", MLEN, "masked_len = random.randint(0, n // 4)"),
    # a common public pattern: right on long documents, wrong on documents shorter than the drawn length
    _m("masked length and start drawn from the drawn length, not the truncated document's", MLEN + "\n        " + START,
       "masked_len = random.randint(0, length // 2)\n        start = random.randint(0, length - masked_len)"),
    _m("masked start drawn from the drawn length: past the end of a short document", START,
       "start = random.randint(0, length - masked_len)"),
    _m("masked length drawn from the drawn length: a short document mostly masked", MLEN + "\n        " + START,
       "masked_len = random.randint(0, length // 2)\n        start = random.randint(0, max(0, n - masked_len))"),
    _m("missing second MASK", REARRANGE, "text = prefix + self.MASK_CHAR + suffix + masked"),
    _m("masked content and suffix swapped", REARRANGE,
       "text = prefix + self.MASK_CHAR + masked + self.MASK_CHAR + suffix"),
    _m("a third MASK after the masked content", REARRANGE,
       "text = prefix + self.MASK_CHAR + suffix + self.MASK_CHAR + masked + self.MASK_CHAR"),
    _m("pads to block_size (2021 rule): x and y one character short", PAD,
       "text = text + self.PAD_CHAR * (self.block_size - len(text))"),
    _m("pads to block_size + 2: x and y one character long", PAD,
       "text = text + self.PAD_CHAR * (self.block_size + 2 - len(text))"),
    _m("wrong vocabulary ids (shifted by one)", X, "x = torch.tensor([self.stoi[c] + 1 for c in text[:-1]], dtype=torch.long)"),
    _m("y not shifted (y = x)", XY, "y = x.clone()"),
    _m("float tensors instead of long", XY + "\n        return x, y",
       XY + "\n        return x.float(), y.float()"),
]

ALTERNATIVES = [
    _alt("torch.randint draws, masked start drawn first", '''
    def __getitem__(self, idx):
        doc = self.data[idx]
        limit = int(self.block_size * 7 / 8)
        doc = doc[:int(torch.randint(4, limit + 1, (1,)))]
        n = len(doc)
        k = int(torch.randint(0, n // 2 + 1, (1,)))
        i = int(torch.randint(0, n - k + 1, (1,)))
        s = doc[:i] + MASK_CHAR + doc[i + k:] + MASK_CHAR + doc[i:i + k]
        s += PAD_CHAR * (self.block_size + 1 - len(s))
        ids = torch.tensor([self.stoi[c] for c in s], dtype=torch.long)
        return ids[:-1], ids[1:]
'''),
    _alt("Gaussian masked length around n/4, clipped", '''
    def __getitem__(self, idx):
        document = self.data[idx][:random.randint(4, int(self.block_size * 7 / 8))]
        n = len(document)
        masked_len = min(n, max(0, round(random.gauss(n / 4, n / 8))))
        start = random.randint(0, n - masked_len)
        prefix = document[:start]
        masked = document[start:start + masked_len]
        suffix = document[start + masked_len:]
        out = (prefix + self.MASK_CHAR + suffix + self.MASK_CHAR + masked).ljust(self.block_size + 1, self.PAD_CHAR)
        x = torch.LongTensor([self.stoi[c] for c in out[:-1]])
        y = torch.LongTensor([self.stoi[c] for c in out[1:]])
        return x, y
'''),
    _alt("masked length 1..n//2 (at least one character when possible)", '''
    def __getitem__(self, idx):
        text = self.data[idx]
        trunc_len = random.randint(4, int(self.block_size * 7 / 8))
        text = text[:trunc_len]
        n = len(text)
        mlen = random.randint(1, n // 2) if n >= 2 else n
        start = random.randint(0, n - mlen)
        pieces = [text[:start], self.MASK_CHAR, text[start + mlen:], self.MASK_CHAR, text[start:start + mlen]]
        chars = list("".join(pieces))
        chars += [self.PAD_CHAR] * (self.block_size + 1 - len(chars))
        ids = [self.stoi[c] for c in chars]
        return torch.tensor(ids[:-1], dtype=torch.long), torch.tensor(ids[1:], dtype=torch.long)
'''),
    _alt("masked length uniform in [n/8, 3n/8], end chosen then start", '''
    def __getitem__(self, idx):
        doc = self.data[idx]
        n_keep = random.choice(range(4, int(self.block_size * 7 / 8) + 1))
        doc = doc[:n_keep]
        n = len(doc)
        m = random.randint(n // 8, (3 * n) // 8 + (1 if n % 8 else 0)) if n else 0
        m = min(m, n)
        end = random.randint(m, n)
        start = end - m
        s = doc[:start] + self.MASK_CHAR + doc[end:] + self.MASK_CHAR + doc[start:end]
        pad = self.block_size + 1 - len(s)
        s = s + self.PAD_CHAR * pad
        encoded = torch.tensor([self.stoi[ch] for ch in s], dtype=torch.long)
        return encoded[:self.block_size], encoded[1:self.block_size + 1]
'''),
    _alt("numpy draws, torch.full padding", '''
    def __getitem__(self, idx):
        import numpy as np
        rng = np.random.default_rng(random.getrandbits(32))
        doc = self.data[idx][:int(rng.integers(4, int(self.block_size * 7 / 8), endpoint=True))]
        n = len(doc)
        k = int(rng.integers(0, n // 2, endpoint=True))
        a = int(rng.integers(0, n - k, endpoint=True))
        body = [self.stoi[c] for c in doc[:a]] + [self.stoi[MASK_CHAR]] + [self.stoi[c] for c in doc[a + k:]] \\
            + [self.stoi[MASK_CHAR]] + [self.stoi[c] for c in doc[a:a + k]]
        full = torch.full((self.block_size + 1,), self.stoi[PAD_CHAR], dtype=torch.long)
        full[:len(body)] = torch.tensor(body, dtype=torch.long)
        return full[:-1].clone(), full[1:].clone()
'''),
]
