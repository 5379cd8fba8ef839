"""Each part's data for the term, drawn from the term's choices (Part 1: its K and V).

A part with term data has `autograder/parts/<part>/generate_data.py` defining

    term_data(options) -> {NAME: JSON value}   the term's data, from the part's options (part.yml's
                                               `options`, chosen in assignment.yml); deterministic
    write(seed, config)                        `python build.py --data-seed N` (a new term's data)

The build writes every selected part's data to `hw_support/part_data.json` (release and autograder);
modules, tests and notebooks read it with `hw_support.part_data.of("<part>")`, never a copy.
"""
import json
import os
import re

from .parts import hidden_module

DATA_FILE = "hw_support/part_data.json"


def generator(part):
    """The part's generate_data.py as a module, or None."""
    if not os.path.exists(part.hidden("generate_data.py")):
        return None
    return hidden_module(part.name, "generate_data.py")


def term_data(assignment):
    """{part: {NAME: value}} of every selected part whose generator has term_data."""
    out = {}
    for p in assignment.parts:
        gen = generator(p)
        if gen is not None and hasattr(gen, "term_data"):
            out[p.name] = gen.term_data(p.options)
    return out


def data_file(data):
    """{path: bytes} of hw_support/part_data.json for `data` ({part: {NAME: value}})."""
    text = json.dumps(data, indent=2, sort_keys=True)
    text = re.sub(r"\[\s+([-+.eE\d,\s]+?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)  # a row per line
    return {DATA_FILE: (text + "\n").encode()}
