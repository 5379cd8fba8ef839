"""The cloze probe: does a model know a person's birthplace outside the question-answering format?

`run.py probe` and the autograder's hidden test (q3_3) both ask the model to continue "NAME was born in "
and count a hit when the continuation starts with the person's place as a whole word ("New York City",
not "Newark"). A pretrained model keeps much of what it memorised through fine-tuning; a model that
was never pretrained has nothing to keep (autograder/parts/pretraining/calibration/report.md).
"""
import re

_QUESTION = re.compile(r"^Where was (.*) born\?$")


def prompt(question):
    """"Where was Ada Vo born?" -> "Ada Vo was born in "."""
    m = _QUESTION.match(question.strip())
    return f"{m.group(1) if m else question.strip()} was born in "


def is_hit(place, continuation):
    """True when `continuation` (str) starts with `place` as a whole word."""
    return (isinstance(place, str) and isinstance(continuation, str) and bool(place)
            and continuation.startswith(place) and not continuation[len(place):len(place) + 1].isalnum())


def accuracy(places, continuations):
    """% of hits; `continuations` shorter than `places` count the missing ones as misses."""
    hits = sum(is_hit(p, c) for p, c in zip(places, continuations))
    return 100.0 * hits / max(1, len(places))
