"""The term's data of each part, as the build drew it from assignment.yml's choices (e.g. Part 1's K and V).

`of("attention_exploration")` -> {NAME: value} from part_data.json beside this file (hwbuild/pipeline.py
writes it with each part's autograder/parts/<part>/generate_data.py `term_data(options)`; nobody edits it
or copies its values into tests, notebooks or modules).
"""
import json
import os

_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "part_data.json")
_loaded = {}  # what the build set with use(), or the file once read


def use(data):
    """Take the data from `data` ({part: {NAME: value}}) instead of the file (the build, which runs the
    test files and the solutions before it writes the file)."""
    _loaded.clear()
    _loaded["data"] = data


def of(part):
    """The term's data of `part` (its folder name); KeyError naming the file when it has none."""
    if "data" not in _loaded:
        with open(_FILE, encoding="utf-8") as f:
            _loaded["data"] = json.load(f)
    data = _loaded["data"]
    if part not in data:
        raise KeyError(f"{_FILE} has no data for part '{part}' (parts: {', '.join(sorted(data)) or 'none'})")
    return data[part]
