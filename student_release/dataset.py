"""Part 3: datasets for pretraining (span corruption) and fine-tuning (birthplace questions).

`NameDataset` is given. You write `CharCorruptionDataset.__getitem__`, the span-corruption objective
used to pretrain the model on the biography corpus. Run `python check.py dataset` to test your work,
and `python dataset.py charcorruption` to print a few examples.
"""
import random

import torch
from torch.utils.data import Dataset

MASK_CHAR = "\u2047"  # the doublequestionmark character, for masking
PAD_CHAR = "\u25A1"  # the empty square character, for padding


class NameDataset(Dataset):
    """Given. Fine-tuning examples `question SPACE answer MASK PAD...` from lines `question<TAB>answer`.

    The corpus's own question frame ("Where was NAME born? PLACE."), ended by MASK instead of "."
    (CS224N writes `question MASK answer MASK`: a MASK in front of the answer is a frame the pretrained
    model never read, and fine-tuning into it lost half of what the model could answer; see the
    calibration report). model.answer_prompt(question) is the same prompt. Uses the vocabulary and
    block size of the pretraining dataset. The loss is computed only on the answer part: y is PAD
    (ignored by the loss) over the question and its space.
    """

    def __init__(self, pretraining_dataset, data):
        self.MASK_CHAR = MASK_CHAR
        self.PAD_CHAR = PAD_CHAR
        self.itos = pretraining_dataset.itos
        self.stoi = pretraining_dataset.stoi
        self.block_size = pretraining_dataset.block_size
        self.data = [line for line in data.split("\n") if line.strip()]

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        inp, oup = self.data[idx].split("\t")
        inp += " "
        x = (inp + oup + self.MASK_CHAR)[:self.block_size + 1]  # long lines are cut
        x = x + self.PAD_CHAR * (self.block_size + 1 - len(x))
        y = (self.PAD_CHAR * (len(inp) - 1) + x[len(inp):])[:self.block_size]  # no loss on the question
        x = torch.tensor([self.stoi[c] for c in x[:-1]], dtype=torch.long)
        y = torch.tensor([self.stoi[c] for c in y], dtype=torch.long)
        return x, y


class CharCorruptionDataset(Dataset):
    """Span corruption on characters: one example per document (line) of `data`.

    Vocabulary (given): id 0 is PAD_CHAR, id 1 is MASK_CHAR, then the sorted characters of `data`.
    Attributes: `data` (the list of documents, `data.split("\\n")`), `stoi`, `itos`, `block_size`,
    `vocab_size`; `len(dataset)` is the number of documents.

    `dataset[idx]` returns (x, y), two torch.long tensors of length block_size, made as follows:

    1. Take document `self.data[idx]` and truncate it to a random length between 4 and
       int(block_size * 7 / 8) characters, both included: every length in that range must be
       possible. Always keep the START of the document (document[:length]); a document shorter than
       the drawn length is used whole (it may even be empty).
    2. Split the truncated document into [prefix] [masked_content] [suffix] (their concatenation is
       the truncated document). The length of masked_content is random and 1/4 of the truncated
       length on average; it must sometimes be longer and sometimes shorter than 1/4 of it.
    3. Rearrange into  prefix + MASK_CHAR + suffix + MASK_CHAR + masked_content  (exactly two
       MASK_CHARs) and append PAD_CHARs until the string has length block_size + 1.
    4. x is the string without its last character, y the string without its first character
       (y is x shifted by one: the model predicts every next character).
    5. Encode both with `self.stoi` as torch.long tensors.

    Example (block_size 16, document "Ana was born in Lyon."): truncated to "Ana was born",
    split into "Ana " + "was" + " born", giving "Ana ⁇ born⁇was□□□" (17 characters); x is its first 16
    characters, y its last 16.
    Use Python's `random` (or torch's) for the random choices: the grader seeds both.
    """

    def __init__(self, data, block_size):
        self.MASK_CHAR = MASK_CHAR
        self.PAD_CHAR = PAD_CHAR
        chars = sorted(set(data))
        assert MASK_CHAR not in chars, "the data may not contain MASK_CHAR"
        assert PAD_CHAR not in chars, "the data may not contain PAD_CHAR"
        chars.insert(0, MASK_CHAR)
        chars.insert(0, PAD_CHAR)
        self.stoi = {ch: i for i, ch in enumerate(chars)}
        self.itos = {i: ch for i, ch in enumerate(chars)}
        print(f"data has {len(data)} characters, {len(chars)} unique.")
        self.block_size = block_size
        self.vocab_size = len(chars)
        self.data = data.split("\n")

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        raise NotImplementedError('__getitem__: truncate, split into prefix / masked / suffix, rearrange, pad, encode (see the docstring)')


def sample_items(dataset, indices, seed=None):
    """Given. [dataset[i] for i in indices], after seeding Python's and torch's random generators."""
    if seed is not None:
        random.seed(seed)
        torch.manual_seed(seed)
    return [tuple(dataset[i]) for i in indices]


def decode(dataset, ids):
    """Given. The string of a sequence of ids (a tensor or a list)."""
    return "".join(dataset.itos[int(i)] for i in ids)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Print a few examples of a dataset.")
    parser.add_argument("which", choices=["namedata", "charcorruption"])
    parser.add_argument("--corpus", default="data/wiki.txt")
    parser.add_argument("--block_size", type=int, default=64)
    args = parser.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        corruption = CharCorruptionDataset(f.read(), args.block_size)
    if args.which == "namedata":
        with open("data/birth_places_train.tsv", encoding="utf-8") as f:
            ds = NameDataset(corruption, f.read())
    else:
        ds = corruption
    for _, (x, y) in zip(range(4), ds):
        print("x:", decode(corruption, x))
        print("y:", decode(corruption, y))
