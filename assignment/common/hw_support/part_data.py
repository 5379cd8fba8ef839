"""The term's data of each part, as the build drew it from assignment.yml's choices (e.g. Part 1's K and V).

`of("attention_exploration")` -> {NAME: value} from part_data.json beside this file (hwbuild/pipeline.py
writes it with each part's autograder/parts/<part>/generate_data.py `term_data(options)`; nobody edits it
or copies its values into tests, notebooks or modules).
"""
from hw_support.per_part import PerPartFile

_FILE = PerPartFile("part_data.json", "data")
use, of = _FILE.use, _FILE.of
