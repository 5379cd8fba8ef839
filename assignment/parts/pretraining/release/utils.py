"""Part 3 (given): reading the data files, seeding, scoring predictions.

Text and TSV files load through Hugging Face `datasets` (`load_dataset("text" / "csv", ...)`), so the
same code reads a dataset from the Hub when you are online; without `datasets` installed they are
read as plain files.
"""
import os
import random

import numpy as np
import torch


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def _datasets():
    try:
        import datasets
    except ImportError:
        return None
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    return datasets


def read_text(path):
    """The whole text of `path` (a local file, or a Hub dataset's text file), as one string."""
    ds = _datasets()
    if ds is None:
        with open(path, encoding="utf-8") as f:
            return f.read()
    rows = ds.load_dataset("text", data_files=path, sample_by="document", keep_linebreaks=True)["train"]
    return "".join(r["text"] for r in rows)


def read_tsv(path):
    """The rows of a tab-separated file without a header: [(question, answer or None), ...]."""
    ds = _datasets()
    if ds is None:
        with open(path, encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    else:
        table = ds.load_dataset("csv", data_files=path, delimiter="\t", header=None, quoting=3,
                                keep_default_na=False)["train"]
        rows = [[str(v) for v in r.values()] for r in table]
    return [(r[0], r[1] if len(r) > 1 and r[1] != "" else None) for r in rows]


def evaluate_places(filepath, predicted_places):
    """(total, correct) of exact matches against the answers in `filepath`; (0, 0) when it has none."""
    rows = read_tsv(filepath)
    if not rows or rows[0][1] is None:
        print("No gold birth places provided; returning (0,0)")
        return (0, 0)
    assert len(rows) == len(predicted_places), f"{len(rows)} questions but {len(predicted_places)} predictions"
    correct = sum(answer == pred for (_, answer), pred in zip(rows, predicted_places))
    return (float(len(rows)), float(correct))


def default_device():
    return "cuda" if torch.cuda.is_available() else "cpu"


def set_threads(n=None):
    """Small models run best on a few CPU threads. Default: half the cores (at least 1, at most 4), so
    that two runs side by side (two terminals, or `run.py experiment`) never ask for more threads than
    there are cores: oversubscribed, each run is slower than on one thread alone."""
    torch.set_num_threads(n or max(1, min(4, (os.cpu_count() or 1) // 2)))
