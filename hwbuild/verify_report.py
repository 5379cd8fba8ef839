"""What `build.py verify` found: one result per variant, one row per graded function, and the report."""
from dataclasses import dataclass, field

@dataclass
class VariantResult:
    module: str
    kind: str  # solution, stub, mutant, alternative
    function: str
    name: str
    caught_by: list = field(default_factory=list)  # mutants: the questions meant to catch it
    lost: dict = field(default_factory=dict)  # {question: points lost}
    failed_cases: dict = field(default_factory=dict)  # {question: {case: last line of the message}}
    passed_cases: dict = field(default_factory=dict)  # {question: [case, ...]}
    ok: bool = False
    problem: str = ""  # why it is not ok, or a note

    def as_json(self):
        return {"module": self.module, "kind": self.kind, "function": self.function, "name": self.name,
                "caught_by": self.caught_by, "failed_questions": sorted(self.lost),
                "points_lost": self.lost, "failed_cases": self.failed_cases, "ok": self.ok,
                "problem": self.problem}


@dataclass
class Row:
    part: str
    module: str
    function: str
    tests: int
    mutants_caught: int = 0
    mutants_total: int = 0
    alternatives_passed: int = 0
    alternatives_total: int = 0

    def as_json(self):
        return dict(self.__dict__)


@dataclass
class Report:
    rows: list = field(default_factory=list)
    variants: list = field(default_factory=list)
    checks: list = field(default_factory=list)  # [{"name", "ok", "message"}]
    failures: list = field(default_factory=list)  # one line each
    seconds: float = 0.0
    build: object = None

    @property
    def ok(self):
        return not self.failures

    def fail(self, message):
        self.failures.append(message)

    def as_json(self):
        mut = [v for v in self.variants if v.kind == "mutant"]
        alt = [v for v in self.variants if v.kind == "alternative"]
        return {"ok": self.ok, "seconds": round(self.seconds, 2),
                "totals": {"mutants_caught": sum(v.ok for v in mut), "mutants": len(mut),
                           "alternatives_passed": sum(v.ok for v in alt), "alternatives": len(alt)},
                "rows": [r.as_json() for r in self.rows], "checks": self.checks, "failures": self.failures,
                "variants": [v.as_json() for v in self.variants]}

    def table(self):
        head = ("part", "function", "tests", "mutants caught", "alternatives passed")
        body = [(r.part, f"{r.module}.{r.function}", str(r.tests), f"{r.mutants_caught}/{r.mutants_total}",
                 f"{r.alternatives_passed}/{r.alternatives_total}") for r in self.rows]
        mc = sum(r.mutants_caught for r in self.rows)
        mt = sum(r.mutants_total for r in self.rows)
        ap = sum(r.alternatives_passed for r in self.rows)
        at = sum(r.alternatives_total for r in self.rows)
        total = ("", "total", "", f"{mc}/{mt} ({_pct(mc, mt)})", f"{ap}/{at} ({_pct(ap, at)})")
        widths = [max(len(x[i]) for x in [head, total] + body) for i in range(5)]

        def line(cells):
            return " | ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        sep = "-+-".join("-" * w for w in widths)
        lines = [line(head), sep] + [line(b) for b in body] + [sep, line(total)]
        for v in self.variants:
            if v.kind in ("solution", "stub"):
                lines.append(f"{v.kind} of {v.module}: {'ok' if v.ok else 'FAILED'} ({v.problem})")
        for c in self.checks:
            lines.append(f"check {c['name']}: {'ok' if c['ok'] else 'FAILED'} ({c['message']})")
        if self.failures:
            lines.append(f"\n{len(self.failures)} problem(s):")
            lines += ["  " + f for f in self.failures]
        lines.append(f"\nverify: {'OK' if self.ok else 'FAILED'} in {self.seconds:.1f} s")
        return "\n".join(lines)


def _pct(a, b):
    return f"{100 * a / b:.0f}%" if b else "-"
