"""A JSON file beside this package that the build writes with one entry per part: {part: {NAME: value}}.

thresholds.py and part_data.py are the two such files; each is a `PerPartFile` whose `of(part)` the tests,
modules and notebooks read and whose `use(data)` the build calls before the file exists.
"""
import json
import os


class PerPartFile:
    """`of(part)` -> {NAME: value} from hw_support/<filename>, read once; `use(data)` replaces it."""

    def __init__(self, filename, what):
        self.path = os.path.join(os.path.dirname(os.path.abspath(__file__)), filename)
        self.what = what  # what an entry holds, for the error message ("thresholds", "data")
        self._data = None

    def use(self, data):
        """Take `data` ({part: {NAME: value}}) instead of the file (the build, which runs the test files
        and the solutions before it writes the file)."""
        self._data = data

    def of(self, part):
        """The entry of `part` (its folder name); KeyError naming the file when it has none."""
        if self._data is None:
            with open(self.path, encoding="utf-8") as f:
                self._data = json.load(f)
        if part not in self._data:
            raise KeyError(f"{self.path} has no {self.what} for part '{part}' "
                           f"(parts: {', '.join(sorted(self._data)) or 'none'})")
        return self._data[part]
