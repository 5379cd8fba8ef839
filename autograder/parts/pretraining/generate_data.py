"""Part 3's generated biography corpus and birthplace questions (`python build.py --data-seed N`).

Everything is a deterministic function of the seed: made-up people (syllable names, unique), made-up
places with skewed birthplace frequencies (the most common 5% of every split, so that always
answering it scores about 5%; the rest p_i proportional to 1/(i+30)), one biography per line:
"NAME was born in PLACE." first, then 2-3 sentences that mention distractor places (studied,
worked, died, moved, lived); and, as a real corpus has question-and-answer pages, a one-line
quiz document "Where was NAME born? PLACE." for the first N_QUIZ training people (never a dev or test
person: what the model answers about them it can only have read in their biographies).

Writes, for the release, assignment/parts/pretraining/release/data/{wiki.txt, birth_places_train.tsv, birth_dev.tsv,
birth_test_inputs.tsv}; the test answers go only into the hidden test file
autograder/parts/pretraining/tests/q3_3_accuracy.py (between the GENERATED markers), with the vocabulary and
the seed. Every person of the questions is in the corpus; dev and test people are held out of the
fine-tuning questions.
"""
import json
import os
import random

from hwbuild import parts
from hwbuild.generated import BEGIN, END, replace_block, seed_of, write_files

DATA_DIR = os.path.join(parts.ASSIGNMENT, "parts", "pretraining", "release", "data")
HIDDEN_TEST = os.path.join(parts.AUTOGRADER, "parts", "pretraining", "tests", "q3_3_accuracy.py")
DEFAULT_SEED = 0

# People with questions (all of them are in the corpus). Few enough that run.py's CPU defaults give
# each document ~500 passes in ~12 minutes on one core: memorising a birthplace takes 400-450 (with 800 people
# and 300 passes a probe found 10% of the birthplaces, with 475 people and 500 passes 96-99%).
N_TRAIN, N_DEV, N_TEST = 250, 75, 150
N_PLACES = 150
TOP_PLACE_SHARE = 0.05  # always answering the most common birthplace scores about this
ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gr", "kr", "tr",
          "st", "sh", "ch", "th", "pl", "fl", "sl", "w"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea", "y"]
CODAS = ["", "", "", "n", "r", "l", "s", "m", "th", "nd", "rk", "x"]
OCCUPATIONS = ["painter", "chemist", "farmer", "poet", "sailor", "teacher", "judge", "architect", "singer",
               "botanist", "merchant", "surgeon", "weaver", "pilot", "historian", "potter"]
# The birth sentence comes first and is short (it ends by character 28-40), so that about half of
# the pretraining windows (the first 4-56 characters) hold the whole birthplace. Putting words before
# the name ("In 1795, NAME was born in ...") moves it out of more windows: with a third of the
# biographies so, a probe found 63% of the birthplaces instead of 96% after the same pretraining.
BIRTH = "{n} was born in {b}."
# Quiz documents for the training people. With only the biography frame, question answering reached
# 7-31% of the test people depending on pretraining's random stream (calibration of 2026-12-06: the
# fact was stored on "NAME was born in", not on the name); seeing the same people in both frames
# while pretraining makes it reachable from a question: the two weakest streams went from 7.3% and
# 12.0% to 24.7-36.0% (bench/logs/design/README.md; 100 quiz lines: 16-21%).
N_QUIZ = N_TRAIN
QUIZ = "Where was {n} born? {b}."
OTHER = ["{p} studied in {x}.", "{p} worked in {x} as {o}.", "{p} died in {x}.", "{p} later moved to {x}.",
         "{p} lived in {x} for many years.", "{p} wrote a song called Why {x}?"]


def birthplaces(rng, places):
    """One birthplace per person, train / dev / test people in that order: in each split exactly
    TOP_PLACE_SHARE of the people (rounded) are born in places[0], the others in places[1:] with
    p_i proportional to 1/(i + 30) (the most common of them ~1.8%). So the most common training
    birthplace is places[0] for every seed tried (0-49), and answering it scores about 5%."""
    rest = [1.0 / (i + 30) for i in range(1, len(places))]
    out = []
    for n in (N_TRAIN, N_DEV, N_TEST):
        split = rng.choices(places[1:], rest, k=n)
        for i in rng.sample(range(n), round(TOP_PLACE_SHARE * n)):
            split[i] = places[0]
        out += split
    return out


def _word(rng, syllables):
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))


def _unique_words(rng, n, low, high, min_len, max_len, taken):
    out = []
    while len(out) < n:
        w = _word(rng, rng.randint(low, high))
        if min_len <= len(w) <= max_len and w not in taken:
            taken.add(w)
            out.append(w.capitalize())
    return out


def generate(seed=DEFAULT_SEED):
    """{'wiki': str, 'train': [(name, place)], 'dev': [...], 'test': [...], 'seed': seed}."""
    rng = random.Random(f"attention-hw part 3, data seed {seed}")
    taken = set()
    places = _unique_words(rng, N_PLACES, 2, 3, 4, 10, taken)
    firsts = _unique_words(rng, 300, 1, 2, 3, 7, taken)
    lasts = _unique_words(rng, 300, 2, 3, 4, 9, taken)
    n_people = N_TRAIN + N_DEV + N_TEST
    names, seen = [], set()
    while len(names) < n_people:
        first, last = rng.choice(firsts), rng.choice(lasts)
        if (first, last) not in seen:
            seen.add((first, last))
            names.append((first, last))
    people, bios = [], []
    for (first, last), birth in zip(names, birthplaces(rng, places)):
        name = f"{first} {last}"
        pronoun = rng.choice(["He", "She"])
        sentences = [BIRTH.format(n=name, b=birth)]
        others = rng.sample([p for p in places if p != birth], 3)
        for x, template in zip(others[:rng.randint(2, 3)], rng.sample(OTHER, 3)):
            subject = rng.choice([pronoun, last])
            occupation = rng.choice(OCCUPATIONS)
            article = "an" if occupation[0] in "aeiou" else "a"
            sentences.append(template.format(p=subject, x=x, o=f"{article} {occupation}"))
        people.append((name, birth))
        bios.append(" ".join(sentences))
    docs = bios + [QUIZ.format(n=name, b=birth) for name, birth in people[:N_QUIZ]]
    rng.shuffle(docs)
    wiki = "\n".join(docs) + "\n"
    question_chars = set("Where was born?\t")
    if not question_chars <= set(wiki):  # every question character must be in the vocabulary
        wiki += "Where was it born? Nobody knows.\n"
    train = people[:N_TRAIN]
    dev = people[N_TRAIN:N_TRAIN + N_DEV]
    test = people[N_TRAIN + N_DEV:]
    return {"wiki": wiki, "train": train, "dev": dev, "test": test, "seed": seed}


def question(name):
    return f"Where was {name} born?"


def tsv(pairs):
    return "".join(f"{question(n)}\t{p}\n" for n, p in pairs)


def vocabulary(wiki):
    """The sorted characters of the corpus (CharCorruptionDataset adds PAD and MASK in front)."""
    return "".join(sorted(set(wiki)))


def most_common(pairs):
    counts = {}
    for _, p in pairs:
        counts[p] = counts.get(p, 0) + 1
    return max(sorted(counts), key=counts.get)


def baseline(train, pairs):
    """Accuracy on `pairs` of always answering the most common birthplace of `train`."""
    top = most_common(train)
    return sum(p == top for _, p in pairs) / len(pairs)


def release_files(data):
    """{file name under data/: text} for the student release."""
    return {"wiki.txt": data["wiki"], "birth_places_train.tsv": tsv(data["train"]), "birth_dev.tsv": tsv(data["dev"]),
            "birth_test_inputs.tsv": "".join(question(n) + "\n" for n, _ in data["test"])}


def hidden_block(data):
    """The generated lines of the hidden accuracy test: seed, vocabulary and the test answers."""
    answers = [p for _, p in data["test"]]
    return "\n".join([
        BEGIN,
        f"DATA_SEED = {data['seed']}",
        f"VOCAB_CHARS = {json.dumps(vocabulary(data['wiki']))}",
        f"TEST_QUESTIONS = {json.dumps([question(n) for n, _ in data['test']])}",
        f"TEST_ANSWERS = {json.dumps(answers)}",
        END,
    ])


def current_seed(hidden_test=HIDDEN_TEST):
    """The data seed of the committed data (from the hidden test's generated block)."""
    return seed_of(hidden_test, DEFAULT_SEED)


def write(seed=DEFAULT_SEED, data_dir=DATA_DIR, hidden_test=HIDDEN_TEST, config=None):
    """Regenerate the release data and the hidden answers; returns a one-line summary (`config`, the
    composition: unused, Part 3's data does not depend on it)."""
    data = generate(seed)
    write_files(data_dir, release_files(data))
    replace_block(hidden_test, hidden_block(data))
    n = len(data["train"]) + len(data["dev"]) + len(data["test"])
    return (f"data seed {seed}: {n} people, wiki.txt {len(data['wiki'])} chars, "
            f"{len(data['train'])} train / {len(data['dev'])} dev / {len(data['test'])} test questions; "
            f"most-common-place baseline dev {100 * baseline(data['train'], data['dev']):.1f}%, "
            f"test {100 * baseline(data['train'], data['test']):.1f}%")
