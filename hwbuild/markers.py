"""Master files: solution blocks become prompts in the student stub and vanish from the solution.

    # BEGIN SOLUTION [hint text | NO PROMPT]
    ...solution lines...
    # END SOLUTION
    # BEGIN PROMPT
    # x = ...          <- commented in the master, uncommented in the stub
    # END PROMPT

In the stub a solution block inside a function becomes
`raise NotImplementedError("<function>: <hint>")`, unless it says NO PROMPT. Malformed markers
raise MasterError naming file:line.
"""
import re
from dataclasses import dataclass

MARKER = re.compile(r"^(\s*)#\s*(BEGIN|END)\s+(SOLUTION|PROMPT)\b(.*)$")
DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")


class MasterError(Exception):
    """A malformed master or test file; str() is 'file:line: what is wrong'."""

    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class Rendered:
    solution: str
    stub: str


def marker_lines(text):
    """[(line number, BEGIN|END, SOLUTION|PROMPT)] of every marker line in `text`."""
    return [(i, m.group(2), m.group(3)) for i, line in enumerate(text.splitlines(), 1)
            if (m := MARKER.match(line))]


def _enclosing_function(lines, index, indent):
    for j in range(index - 1, -1, -1):
        m = DEF.match(lines[j])
        if m and len(m.group(1)) < len(indent):
            return m.group(2)
    return None


def render(text, path):
    """Split a master into its solution and its student stub."""
    lines = text.splitlines(keepends=True)
    solution, stub = [], []
    block = None  # (kind, start line)
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if m is None:
            if block is None:
                solution.append(line)
                stub.append(line)
            elif block[0] == "SOLUTION":
                solution.append(line)
            else:
                if line.strip() and not line.lstrip().startswith("#"):
                    raise MasterError(path, i + 1, "lines inside a PROMPT block must be comments")
                stub.append(re.sub(r"^(\s*)# ?", r"\1", line, count=1))
            continue
        indent, edge, kind, rest = m.group(1), m.group(2), m.group(3), m.group(4).strip()
        if edge == "BEGIN":
            if block is not None:
                raise MasterError(path, i + 1, f"BEGIN {kind} inside the {block[0]} block opened at line {block[1]}")
            block = (kind, i + 1)
            if kind == "SOLUTION" and rest != "NO PROMPT":
                fn = _enclosing_function(lines, i, indent)
                if fn is None:
                    raise MasterError(path, i + 1, "a solution block outside a function needs "
                                      "'# BEGIN SOLUTION NO PROMPT' (and a PROMPT block if the stub needs code)")
                hint = rest or "not implemented yet"
                stub.append(f"{indent}raise NotImplementedError({fn + ': ' + hint!r})\n")
        else:
            if block is None:
                raise MasterError(path, i + 1, f"END {kind} without a matching BEGIN {kind}")
            if block[0] != kind:
                raise MasterError(path, i + 1, f"END {kind} closes the {block[0]} block opened at line {block[1]}")
            block = None
    if block is not None:
        raise MasterError(path, block[1], f"BEGIN {block[0]} is never closed by END {block[0]}")
    return Rendered("".join(solution), "".join(stub))
