"""Part 4's data: a small grammar of simple sentences, its word-level vocabulary and the data files.

Two data sets come from one grammar and share one vocabulary:

- a language-modelling corpus of short sentences ("she rubs a cat .", "the dog is very calm today .",
  "he is not sad , is he ?", ...);
- a sentiment set of tag questions and "not X but Y" sentences in which word order alone decides the
  label: "i am happy , am i not ?" (1, positive) and "i am not happy , am i ?" (0, negative) hold
  the same words, and so do "she is not sad but glad ." (1) and "she is not glad but sad ." (0).
  Every bag of words occurs with both labels equally often, so a bag-of-words model stays at chance.

Every generator is deterministic given its seed (Python's `random.Random`). The release's data
files under data/ were written by these functions; the autograder regenerates its held-out sets.
"""
import os
import random

PAD, BOS = "<pad>", "<s>"

SUBJECTS = [  # (subject words, form of "to be", tag pronoun, verb form: 1 = "holds", 0 = "hold")
    ("i", "am", "i", 0), ("you", "are", "you", 0), ("he", "is", "he", 1), ("she", "is", "she", 1),
    ("we", "are", "we", 0), ("they", "are", "they", 0), ("the dog", "is", "it", 1),
    ("the cat", "is", "it", 1), ("the boy", "is", "he", 1), ("the girl", "is", "she", 1),
    ("the kids", "are", "they", 0), ("he and i", "are", "we", 0),
]
POSITIVE = ["happy", "glad", "calm", "kind", "brave", "proud"]
NEGATIVE = ["sad", "angry", "tired", "upset", "scared", "bored"]
INTENSIFIERS = ["very", "really", "so"]
TIMES = ["today", "now", "again"]
VERBS = [("hold", "holds"), ("rub", "rubs"), ("see", "sees"), ("like", "likes"), ("feed", "feeds"),
         ("walk", "walks"), ("pet", "pets")]
OBJECTS = ["the dog", "a dog", "the cat", "a cat", "the ball", "a bird", "the cat and dog",
           "the dog and cat", "the kids", "a fish"]
PUNCT = [".", ",", "?"]


def _words():
    words = set(PUNCT) | {"not", "but", "and"}
    for subj, be, pron, _ in SUBJECTS:
        words |= set(subj.split()) | {be, pron}
    words |= set(POSITIVE + NEGATIVE + INTENSIFIERS + TIMES)
    for v in VERBS:
        words |= set(v)
    for o in OBJECTS:
        words |= set(o.split())
    return sorted(words)


VOCAB = [PAD, BOS] + _words()
STOI = {w: i for i, w in enumerate(VOCAB)}
PAD_ID, BOS_ID = STOI[PAD], STOI[BOS]
VOCAB_SIZE = len(VOCAB)
BLOCK_SIZE = 16  # longer than the longest sentence plus <s>

# Release defaults: the model and data sizes that train_lm.py uses.
N_LM_TRAIN, N_LM_DEV = 6000, 500
N_SENT_TRAIN, N_SENT_DEV, N_SENT_TEST = 2000, 500, 500
DATA_SEEDS = {"lm_train": 1, "lm_dev": 2, "sentiment_train": 3, "sentiment_dev": 4}


def encode(sentence):
    """'she is happy .' -> [BOS_ID, id('she'), id('is'), id('happy'), id('.')]."""
    return [BOS_ID] + [STOI[w] for w in sentence.split()]


def decode(ids):
    """Token ids -> a sentence, without <s> and <pad>."""
    return " ".join(VOCAB[i] for i in ids if i not in (PAD_ID, BOS_ID))


def _adjective(rng, positive):
    return rng.choice(POSITIVE if positive else NEGATIVE)


def _be_phrase(rng, subj, be, adj, negated):
    words = [subj, be] + (["not"] if negated else [])
    if rng.random() < 0.3:
        words.append(rng.choice(INTENSIFIERS))
    words.append(adj)
    if rng.random() < 0.3:
        words.append(rng.choice(TIMES))
    return words


def tag_question(rng):
    """(sentence, label): '<statement> , <tag> ?' with exactly one 'not', in the statement or the tag.

    'i am happy , am i not ?' asserts happiness (1); 'i am not happy , am i ?' denies it (0).
    """
    subj, be, pron, _ = rng.choice(SUBJECTS)
    positive_adj = rng.random() < 0.5
    not_in_statement = rng.random() < 0.5
    words = _be_phrase(rng, subj, be, _adjective(rng, positive_adj), not_in_statement)
    words += [",", be, pron] + ([] if not_in_statement else ["not"]) + ["?"]
    return " ".join(words), int(positive_adj != not_in_statement)


def not_but(rng):
    """(sentence, label): '<subject> <be> not <adj1> but <adj2> .'; the label is adj2's polarity."""
    subj, be, _, _ = rng.choice(SUBJECTS)
    positive_last = rng.random() < 0.5
    first, last = _adjective(rng, not positive_last), _adjective(rng, positive_last)
    return f"{subj} {be} not {first} but {last} .", int(positive_last)


def sentiment_example(rng):
    return tag_question(rng) if rng.random() < 0.6 else not_but(rng)


def lm_sentence(rng):
    """One sentence of the language-modelling corpus."""
    r = rng.random()
    if r < 0.4:
        subj, _, _, third = rng.choice(SUBJECTS)
        return f"{subj} {rng.choice(VERBS)[third]} {rng.choice(OBJECTS)} ."
    if r < 0.65:
        subj, be, _, _ = rng.choice(SUBJECTS)
        return " ".join(_be_phrase(rng, subj, be, _adjective(rng, rng.random() < 0.5), rng.random() < 0.3)) + " ."
    return sentiment_example(rng)[0]


def lm_sentences(n, seed):
    rng = random.Random(seed)
    return [lm_sentence(rng) for _ in range(n)]


def sentiment_examples(n, seed):
    """[(sentence, label)] with labels balanced by construction (each drawn with probability 1/2)."""
    rng = random.Random(seed)
    return [sentiment_example(rng) for _ in range(n)]


# ------------------------------------------------------------------------------------- data files

def write_release_data(directory, sentiment_test_seed):
    """Write the release's data files; the test sentences are written without their labels."""
    os.makedirs(directory, exist_ok=True)

    def lines(name, rows):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write("".join(r + "\n" for r in rows))
    lines("lm_train.txt", lm_sentences(N_LM_TRAIN, DATA_SEEDS["lm_train"]))
    lines("lm_dev.txt", lm_sentences(N_LM_DEV, DATA_SEEDS["lm_dev"]))
    for split, n in (("train", N_SENT_TRAIN), ("dev", N_SENT_DEV)):
        rows = sentiment_examples(n, DATA_SEEDS["sentiment_" + split])
        lines(f"sentiment_{split}.tsv", [f"{label}\t{s}" for s, label in rows])
    lines("sentiment_test.txt", [s for s, _ in sentiment_examples(N_SENT_TEST, sentiment_test_seed)])


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def read_labelled(path):
    """[(sentence, label)] from a 'label<TAB>sentence' file."""
    return [(s, int(label)) for label, s in (l.split("\t", 1) for l in read_lines(path))]
