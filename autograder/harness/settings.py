"""The grading harness's settings: one typed object, every default here (grading.yml overrides them).

build.py checks autograder/grading.yml against these classes (an unknown or mistyped key stops the
build, naming it) and writes the result to the zip's harness/grading.json; the harness loads it once.
"""
import dataclasses
import json
from dataclasses import dataclass, field

NOT_RUN = "Not run: the grader stopped before reaching this test (see the summary at the top)."


@dataclass(frozen=True)
class SandboxSettings:
    """How student code runs (autograder/harness/sandbox/; README: threat model)."""
    enabled: bool = True  # false: student code is imported into otter's kernel (benchmarks only)
    launcher: str = "auto"  # auto | bwrap | builtin; bwrap: grading stops if bubblewrap cannot isolate
    user: str = "hwstudent"  # unprivileged users hwstudent0, 1, ... (one per concurrent grading), made as root
    memory_mb: int = 4096  # address-space limit of the worker (torch alone maps ~1.5 GB)
    cpu_seconds: int = 900  # CPU time of one worker process, a backstop behind the per-test limits
    max_processes: int = 64  # processes and threads of the student user: stops fork bombs
    max_file_mb: int = 64  # largest file student code may write
    max_output_kb: int = 64  # student prints kept for the instructors' log (the rest is dropped)
    import_limit: float = 20  # seconds to start the worker and import the student modules
    tmpfs_mb: int = 256  # bwrap: size of the worker's private /tmp, /var/tmp and /dev/shm
    time_limits: dict = field(default_factory=lambda: {"default": 30})  # seconds per test, by question prefix (part.yml)

    def limit_for(self, question):
        """The time limit of a test case of `question`: the longest matching prefix wins."""
        best = max((k for k in self.time_limits if k != "default" and question.startswith(k)), key=len, default=None)
        return float(self.time_limits[best] if best else self.time_limits.get("default", 30))


@dataclass(frozen=True)
class Settings:
    """Everything the harness reads from harness/grading.json."""
    modules: list = field(default_factory=list)  # the student modules (the parts' part.yml)
    given_modules: list = field(default_factory=list)  # modules without student code: the zip's copy is graded
    submission_files: list = field(default_factory=list)  # result files (names or glob patterns)
    python_version: str = "3.11"  # of the Gradescope image (assignment.yml's python_version; hwbuild/image.py)
    hidden_visibility: str = "after_published"  # Gradescope visibility of hidden test results
    not_run_message: str = NOT_RUN
    manual_questions: list = field(default_factory=list)  # [{name, points}] graded by hand (written.md)
    parts: list = field(default_factory=list)  # [{number, title}] of the selected parts (the summary's table)
    leaderboard: list = field(default_factory=list)  # [{name, order}]: the metrics reported to Gradescope's
    # leaderboard (the parts' part.yml), empty unless assignment.yml says `leaderboard: true`
    total_time_limit: int = 540  # seconds; Gradescope's default limit is 600 and then gives no results
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)

    @classmethod
    def from_dict(cls, data, where="grading settings"):
        """Settings from a parsed grading.yml or grading.json; ValueError naming any unknown or mistyped key."""
        data = dict(data or {})
        sandbox = _checked(SandboxSettings, data.pop("sandbox", None) or {}, f"{where}: sandbox")
        top = _checked(cls, data, where)
        return dataclasses.replace(top, sandbox=sandbox)

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=2) + "\n"


def _checked(cls, data, where):
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a mapping")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "sandbox"}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(fields))})")
    for name, value in data.items():
        default = fields[name].default if fields[name].default is not dataclasses.MISSING \
            else fields[name].default_factory()
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) if isinstance(default, (int, float)) \
            and not isinstance(default, bool) else isinstance(value, type(default))
        if not ok:
            raise ValueError(f"{where}: {name} must be of type {type(default).__name__}, not {value!r}")
    return cls(**data)


def load(path):
    with open(path) as f:
        return Settings.from_dict(json.load(f), path)
