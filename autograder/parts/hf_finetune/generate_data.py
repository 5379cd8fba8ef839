"""Part 5's generated sentiment task and unlabeled corpus (`python build.py --data-seed N`).

A review sentence's label is decided by its polarity words (adjectives), negation ("not", "never")
and word order ("the X was A but the Y was B" takes B's polarity). Polarity words come in two sets:

- COMMON words are the only ones in the labelled training set;
- RARE words never occur in it: the validation and test sets use only them.

The unlabeled corpus (masked-language-model pretraining) holds both sets in the same neutral templates
and in contexts that reveal polarity without a label: co-occurrence ("A and B", "A , not B"), and
reactions ("i loved it", "i want my money back"). So a model pretrained on the corpus knows that
"superb" behaves like "great", while a model trained from scratch on the labelled set has never seen
it: the hidden test measures exactly that transfer (calibration: pretrained vs scratch).

Writes assignment/parts/hf_finetune/release/data/{train.tsv, validation.tsv, test.txt, mlm_corpus.txt}
(tsv: text<TAB>label, 1 = positive) and the test labels into the hidden test
autograder/parts/hf_finetune/tests/q5_6_results.py (between the GENERATED markers). After a new seed,
rerun `python build.py calibrate 5` (tokenizer and pretrained model are trained on the new corpus).
"""
import json
import os
import random

from hwbuild import parts
from hwbuild.generated import BEGIN, END, replace_block, seed_of, write_files

DATA_DIR = os.path.join(parts.ASSIGNMENT, "parts", "hf_finetune", "release", "data")
HIDDEN_TEST = os.path.join(parts.AUTOGRADER, "parts", "hf_finetune", "tests", "q5_6_results.py")
DEFAULT_SEED = 0
N_TRAIN, N_VALIDATION, N_TEST, N_CORPUS = 2000, 500, 1000, 30000
N_RERUN = 200  # the first test sentences, rerun from the submitted model (their texts go into the hidden test)

POS_COMMON = ["good", "great", "excellent", "wonderful", "nice", "fantastic", "pleasant", "lovely"]
NEG_COMMON = ["bad", "terrible", "awful", "horrible", "poor", "dreadful", "boring", "unpleasant"]
POS_RARE = ["superb", "delightful", "splendid", "brilliant", "charming", "outstanding", "fabulous", "marvelous"]
NEG_RARE = ["dismal", "mediocre", "atrocious", "lousy", "abysmal", "dull", "tedious", "awkward"]
NOUNS = ["movie", "film", "plot", "acting", "food", "service", "book", "story", "music", "hotel", "room",
         "staff", "show", "game", "ending", "soundtrack", "dialogue", "cast", "meal", "trip"]
INTENSIFIERS = ["very", "really", "quite", "truly", "rather", "so", "pretty"]
NEGATIONS = ["not", "never"]
VERBS = ["was", "is", "seemed", "felt"]
# Labelled templates (neutral words only); {a}/{b}: polarity words; label from the last clause.
# Phrases only the unlabeled corpus has: the reviewer's reaction, which follows the review's meaning.
POS_REACTIONS = ["i loved it", "we smiled", "we laughed a lot", "highly recommended", "worth every penny",
                 "five stars", "we will come back", "a real joy"]
POS_EMOTICON, NEG_EMOTICON = ":)", ":("  # right after a polarity word, in the corpus only
NEG_REACTIONS = ["i hated it", "we sighed", "we left early", "not recommended", "a waste of money",
                 "one star", "we will never come back", "a real pain"]


def _words(polarity, rare):
    return (POS_RARE if rare else POS_COMMON) if polarity else (NEG_RARE if rare else NEG_COMMON)


def _adj(rng, polarity, rare):
    word = rng.choice(_words(polarity, rare))
    return (rng.choice(INTENSIFIERS) + " " + word) if rng.random() < 0.3 else word


def _clause(rng, polarity, rare):
    """'the movie was [not] A' with its polarity: `polarity` is the clause's meaning."""
    negated = rng.random() < 0.35
    verb = rng.choice(VERBS)
    neg = " " + rng.choice(NEGATIONS) if negated else ""
    return f"the {rng.choice(NOUNS)} {verb}{neg} {_adj(rng, polarity != negated, rare)}"


def labelled(rng, rare):
    """(sentence, label): one review sentence whose polarity words are all COMMON or all RARE."""
    label = rng.random() < 0.5
    kind = rng.random()
    if kind < 0.45:
        text = _clause(rng, label, rare) + " ."
    elif kind < 0.7:
        text = f"a {_adj(rng, label, rare)} {rng.choice(NOUNS)} ."
    else:  # contrast: the clause after "but" decides
        text = f"{_clause(rng, not label, rare)} but {_clause(rng, label, rare)} ."
    return text, int(label)


def unlabeled(rng):
    """One corpus sentence: polarity words each followed by its emoticon ("superb :) and great :)"), a
    review sentence (COMMON or RARE words, negation, "but") with reactions that follow its meaning, or a
    bare review sentence."""
    kind = rng.random()
    rare = rng.random() < 0.5
    if kind < 0.15:
        return labelled(rng, rare)[0]
    if kind < 0.6:
        pol = rng.random() < 0.5
        emo = POS_EMOTICON if pol else NEG_EMOTICON
        words = [f"{rng.choice(_words(pol, rng.random() < 0.5))} {emo}" for _ in range(rng.choice([1, 2]))]
        listed = " and ".join(words)
        return rng.choice([f"the {rng.choice(NOUNS)} was {listed} .", f"a {listed} {rng.choice(NOUNS)} ."])
    text, label = labelled(rng, rare)
    reactions = rng.sample(POS_REACTIONS if label else NEG_REACTIONS, rng.choice([1, 1, 2]))
    if rng.random() < 0.3:
        return f"{' , '.join(reactions)} : {text}"
    return f"{text[:-2]} , {' , '.join(reactions)} ."


def generate(seed=DEFAULT_SEED):
    rng = random.Random(f"attention-hw part 5, data seed {seed}")
    train = [labelled(rng, rare=False) for _ in range(N_TRAIN)]
    validation = [labelled(rng, rare=True) for _ in range(N_VALIDATION)]
    test = [labelled(rng, rare=True) for _ in range(N_TEST)]
    corpus = [unlabeled(rng) for _ in range(N_CORPUS)]
    return {"train": train, "validation": validation, "test": test, "corpus": corpus, "seed": seed}


def tsv(pairs):
    return "text\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in pairs)


def release_files(data):
    return {"train.tsv": tsv(data["train"]), "validation.tsv": tsv(data["validation"]),
            "test.txt": "".join(t + "\n" for t, _ in data["test"]),
            "mlm_corpus.txt": "".join(t + "\n" for t in data["corpus"])}


def hidden_block(data):
    return "\n".join([BEGIN, f"DATA_SEED = {data['seed']}",
                      f'TEST_LABELS = "{"".join(str(y) for _, y in data["test"])}"',
                      f"RERUN_TEXTS = {json.dumps([t for t, _ in data['test'][:N_RERUN]])}", END])


def write(seed=DEFAULT_SEED, data_dir=DATA_DIR, hidden_test=HIDDEN_TEST, config=None):
    """Regenerate the release data and the hidden labels; returns a one-line summary."""
    data = generate(seed)
    write_files(data_dir, release_files(data))
    replace_block(hidden_test, hidden_block(data))
    return (f"part 5 (hf_finetune): data seed {seed}: {N_TRAIN} train, {N_VALIDATION} validation, {N_TEST} test "
            f"sentences, {N_CORPUS} corpus sentences; rerun `python build.py calibrate 5`")


def current_seed(hidden_test=HIDDEN_TEST):
    return seed_of(hidden_test, DEFAULT_SEED)
