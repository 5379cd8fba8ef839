"""Student notebooks: `assignment/parts/<part>/notebook.py` -> `part<n>_<part>.ipynb` in the release.

Sources are jupytext "percent" scripts (open them in Jupyter with jupytext, or edit them as text):

    # %% [markdown]
    # # Part 2: attention from scratch
    # Explanations, as commented lines.

    # %% tags=["plot"]
    plots.attention_map(...)

    # %%
    grader.check("q2_1_pairwise_similarities")

Every `# %%` line starts a cell; `[markdown]` makes it a markdown cell whose lines are `#`-commented;
an optional `tags=[...]` (a JSON list of strings) becomes the cell's tags ("plot": the cell draws a
picture, which this package's tests require; "trained": a check cell whose tests judge a full
training run, which the tests' fast mode cannot pass). As in jupytext, IPython magics are commented out in
code cells (`# %autoreload 2`) and uncommented in the notebook. Nothing may come before the first
cell marker.

The notebooks are written with nbformat, without outputs or execution counts, with cell ids made
from the cell index and fixed metadata, so the same source always gives the same bytes. A malformed
source (an unknown header, an uncommented markdown line, a syntax error, `grader.check("NAME")` for a
question with no public test file) stops the build with `file:line: what is wrong`.
"""
import ast
import json
import re
from dataclasses import dataclass, field

from .markers import MasterError

HEADER = re.compile(r"^# %%(.*)$")
HEADER_REST = re.compile(r"^(?:\s+\[(\w+)\])?(?:\s+tags=(\[.*\]))?\s*$")
# jupytext comments out IPython magics (and common shell escapes) in code cells: `# %autoreload 2`
MAGIC = re.compile(r"^(\s*)# (?=%{1,2}[A-Za-z]|!(?:pip|python|ls|cd|cat|unzip|wget|mkdir|cp|mv|rm)\b)")
CHECK_CALL = re.compile(r"""\bgrader\.check\(\s*(?:(['"])(.*?)\1)?""")
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


@dataclass
class Cell:
    kind: str  # "markdown" or "code"
    line: int  # 1-based line of the `# %%` header in the source
    tags: list
    lines: list = field(default_factory=list)

    @property
    def source(self):
        lines = list(self.lines)
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines)


def parse(text, path):
    """The cells of a percent-format source; MasterError(path:line) when malformed."""
    cells = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        h = HEADER.match(line)
        if h:
            rest = HEADER_REST.match(h.group(1))
            if not rest or (rest.group(1) or "markdown") not in ("markdown", "md"):
                raise MasterError(path, n, f"unknown cell header {line!r}; use '# %%' or '# %% [markdown]', "
                                  "optionally followed by tags=[\"...\"]")
            tags = []
            if rest.group(2):
                try:
                    tags = json.loads(rest.group(2))
                except ValueError:
                    tags = None
                if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                    raise MasterError(path, n, f"tags must be a JSON list of strings, got {rest.group(2)}")
            cells.append(Cell("markdown" if rest.group(1) else "code", n, tags))
        elif not cells:
            if line.strip():
                raise MasterError(path, n, "text before the first cell marker ('# %%' or '# %% [markdown]')")
        elif cells[-1].kind == "markdown":
            if line and line != "#" and not line.startswith("# "):
                raise MasterError(path, n, "a markdown cell line must be commented ('# text' or '#')")
            cells[-1].lines.append(line[2:])
        else:
            cells[-1].lines.append(MAGIC.sub(r"\1", line))
    if not cells:
        raise MasterError(path, 1, "no cells (start each cell with '# %%' or '# %% [markdown]')")
    return cells


def validate(cells, path, questions):
    """Code cells parse (IPython magics aside) and check only questions that have a public test file."""
    for c in cells:
        if not c.source.strip():
            raise MasterError(path, c.line, "empty cell")
        if c.kind != "code":
            continue
        first = c.line + 1 + next(i for i, l in enumerate(c.lines) if l.strip())  # line of c.source[0]
        python = "\n".join("pass" if l.lstrip().startswith(("%", "!")) else l for l in c.source.split("\n"))
        try:
            ast.parse(python)
        except SyntaxError as e:
            raise MasterError(path, first + (e.lineno or 1) - 1, f"syntax error in a code cell: {e.msg}") from None
        for i, l in enumerate(c.source.split("\n")):
            for m in CHECK_CALL.finditer(l):
                name = m.group(2)
                if name is None:
                    raise MasterError(path, first + i, "grader.check needs a question name as a string literal")
                if name not in questions:
                    raise MasterError(path, first + i, f"grader.check({name!r}): no public test file "
                                      f"assignment/tests/{name}.py")


def to_ipynb(cells):
    """The notebook's bytes: nbformat 4, no outputs, ids from the cell index, fixed metadata."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = json.loads(json.dumps(METADATA))
    for i, c in enumerate(cells):
        meta = {"tags": list(c.tags)} if c.tags else {}
        if c.kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(c.source, id=f"cell-{i:03d}", metadata=meta)
        else:
            cell = nbformat.v4.new_code_cell(c.source, id=f"cell-{i:03d}", metadata=meta)
        nb.cells.append(cell)
    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def check_names(cells):
    """The question names a notebook checks, in order."""
    return [m.group(2) for c in cells if c.kind == "code" for m in CHECK_CALL.finditer(c.source) if m.group(2)]


def build_notebook(text, shown, questions):
    """The .ipynb bytes of one notebook source text (`shown`: its path in error messages).

    questions: the public question names a check cell may name."""
    cells = parse(text, shown)
    validate(cells, shown, set(questions))
    return to_ipynb(cells)
