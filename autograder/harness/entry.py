"""The single trusted file otter executes (`grade_entry.py`): it loads the student modules and runs
the public tests first (otter's own loop then runs the hidden ones).

Sandboxed, student modules live in a worker process (sandbox/) and tests get proxies; otherwise
(`sandbox.enabled: false`, for the overhead benchmark) they are imported into otter's kernel.
"""
import os

ENTRY = "grade_entry.py"
PROGRESS = "progress.jsonl"  # one line per finished test case, in the results directory
LEADERBOARD = "leaderboard.jsonl"  # metrics the tests record (hw_support/leaderboard.py), beside it

_COMMON = '''\
# Written by the attention-hw grading harness. It is the only file otter runs.
import json as _json
import sys as _sys
_sys.path.insert(0, {harness!r})
from hw_support import otter_adapter as _adapter
from hw_support import leaderboard as _leaderboard
_leaderboard.FILE = {leaderboard!r}  # tests record their metrics here; the harness reads them after grading
from hw_support.loader import import_errors as _import_errors
from settings import SandboxSettings as _SandboxSettings
'''

_SANDBOXED = _COMMON + '''\
from sandbox import client as _client

with open("sandbox.json") as _f:
    _settings = _json.load(_f)
try:
    _box, _student_modules = _client.load_student_modules({modules!r}, _settings["box"], _settings["worker"],
                                                          _settings["launcher"], _settings["user"])
except _client.IsolationError as _exc:
    with open("isolation_error.txt", "w") as _f:
        _f.write(str(_exc))
    raise
_limit_for = _SandboxSettings(time_limits=_settings["worker"]["time_limits"]).limit_for
_run_public_first = _adapter.install_hooks(_box, _limit_for, {progress!r})
'''

_IN_KERNEL = _COMMON + '''\
from hw_support.loader import load_student_modules as _load

_student_modules = _load({modules!r}, {code_dir!r})
_run_public_first = _adapter.install_hooks(None, None, {progress!r})
'''

_TAIL = '''\
with open("import_errors.json", "w") as _f:
    _json.dump(_import_errors(_student_modules), _f)
globals().update(_student_modules)
with open("submitted_files.json") as _f:
    submitted_files = _json.load(_f)  # {{file name: path}}
_run_public_first("tests", globals())
'''


def write(submission_dir, modules, code_dir, harness_dir, results_dir, sandboxed):
    """Write grade_entry.py into the submission directory; returns the progress file's path."""
    progress = os.path.join(results_dir, PROGRESS)
    source = (_SANDBOXED if sandboxed else _IN_KERNEL) + _TAIL
    with open(os.path.join(submission_dir, ENTRY), "w") as f:
        f.write(source.format(modules=list(modules), code_dir=code_dir, harness=harness_dir, progress=progress,
                              leaderboard=os.path.join(results_dir, LEADERBOARD)))
    return progress
