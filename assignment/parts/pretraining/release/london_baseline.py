"""Part 3 (given): the accuracy of always answering the most common birthplace of the training questions.

    python london_baseline.py [--train data/birth_places_train.tsv] [--eval data/birth_dev.tsv]

(CS224N's version always answers "London"; our places are made up, so we take the most common one.)
"""
import argparse
from collections import Counter

import utils


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--train", default="data/birth_places_train.tsv")
    p.add_argument("--eval", default="data/birth_dev.tsv")
    args = p.parse_args(argv)
    top = Counter(a for _, a in utils.read_tsv(args.train)).most_common(1)[0][0]
    questions = utils.read_tsv(args.eval)
    total, correct = utils.evaluate_places(args.eval, [top] * len(questions))
    accuracy = 100.0 * correct / total if total else 0.0
    print(f"Always answering {top!r}: {correct:.0f} out of {total:.0f}: {accuracy:.2f}%")
    return accuracy


if __name__ == "__main__":
    main()
