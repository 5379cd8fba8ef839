"""The student notebooks: generated from assignment/notebooks/, run top to bottom on the solutions,
stop with the stubs' NotImplementedError hints on the release, and ship without outputs.

Each notebook runs in a real Jupyter kernel (nbclient) in a scratch copy of the release, with
ATTENTION_HW_FAST=1 so that training cells take seconds.
"""
import glob
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT, run_build, write_tree
from hwbuild import notebooks, parts
from hwbuild.markers import MasterError

PARTS = [p for p in parts.compose().parts if os.path.exists(p.source("notebook.py"))]
SOURCES = [p.source("notebook.py") for p in PARTS]
NAMES = [f"part{p.number}_{p.name}.ipynb" for p in PARTS]
CELL_TIMEOUT = 240  # seconds for one cell (a fast-mode training cell on a busy 2-core machine)
PROMPT = re.compile(r"""raise NotImplementedError\((['"])(.*?)\1\)""")


def _public_questions():
    return sorted(q for p in parts.compose().parts for q in p.question_files())


def _execute(directory, name):
    """Run every cell in a fresh python3 kernel started in `directory`; errors are kept as outputs."""
    nb = nbformat.read(os.path.join(directory, name), as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT, allow_errors=True,
                   resources={"metadata": {"path": str(directory)}}).execute()
    return nb


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def _text(cell):
    parts = []
    for o in cell.outputs:
        parts.append(o.get("text", "") if o.output_type == "stream" else o.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def _is_check(cell):
    return bool(notebooks.CHECK_CALL.search(cell.source))


@pytest.fixture(scope="module")
def executed(build, tmp_path_factory):
    """{("solved" or "release", notebook): the executed notebook}, two kernels at a time.

    Each run gets its own copy of the release ("solved": with the solution modules copied in)."""
    jobs = {}
    for mode in ("solved", "release"):
        for name in NAMES:
            d = write_tree(tmp_path_factory.mktemp(f"{mode}-{name[:5]}"), build.release)
            if mode == "solved":
                for f, data in build.solutions.items():
                    if f.endswith(".py") and "/" not in f:
                        (d / f).write_bytes(data)
            jobs[mode, name] = d
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ATTENTION_HW_FAST", "1")  # the kernels inherit it: training cells take seconds
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {key: pool.submit(_execute, d, key[1]) for key, d in jobs.items()}
            done = {key: f.exception() or f.result() for key, f in futures.items()}
    return {key: (nb, jobs[key]) for key, nb in done.items()}


def _run(executed, mode, name):
    nb, directory = executed[mode, name]
    if isinstance(nb, BaseException):  # a timeout or a dead kernel fails only this notebook's test
        raise nb
    return nb, directory


def test_every_source_becomes_a_release_notebook(build):
    assert SOURCES, "no notebook sources in assignment/parts/*/notebook.py"
    assert sorted(n for n in build.release if n.endswith(".ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_release_notebooks_have_no_outputs_and_fixed_ids(build, name):
    committed = os.path.join(ROOT, "student_release", name)  # stale or missing: test_build's freshness test
    for nb in [nbformat.reads(build.release[name].decode(), as_version=4)] + (
            [nbformat.read(committed, as_version=4)] if os.path.exists(committed) else []):
        nbformat.validate(nb)
        for i, c in enumerate(nb.cells):
            assert c.id == f"cell-{i:03d}"
            if c.cell_type == "code":
                assert c.outputs == [] and c.execution_count is None, (name, i)
        assert set(nb.metadata) == {"kernelspec", "language_info"}


def test_two_builds_give_identical_notebook_bytes(build):
    again = {name: notebooks.build_notebook(open(source, encoding="utf-8").read(), source, _public_questions())
             for name, source in zip(NAMES, SOURCES)}
    assert again == {n: b for n, b in build.release.items() if n.endswith(".ipynb")}


@pytest.mark.parametrize("part", PARTS, ids=[p.name for p in PARTS])
def test_each_notebook_checks_every_public_question_of_its_part(part):
    source = part.source("notebook.py")
    cells = notebooks.parse(open(source, encoding="utf-8").read(), source)
    part = part.number
    of_part = [q for q in _public_questions() if q.split("_")[0] == "q" + part]
    assert sorted(set(notebooks.check_names(cells))) == of_part
    assert any("plot" in c.tags for c in cells), "every notebook has at least one picture"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_the_solutions(executed, name):
    nb, _ = _run(executed, "solved", name)
    for c in _code_cells(nb):
        errors = _errors(c)
        assert not errors, f"{name}: cell\n{c.source}\nraised {errors[0].ename}: {errors[0].evalue}"
        if _is_check(c) and "trained" not in c.metadata.get("tags", []):  # "trained": judges a full run
            assert "All test cases passed!" in _text(c), f"{name}: {c.source}\n{_text(c)}"
        if "plot" in c.metadata.get("tags", []):
            assert any("image/png" in o.get("data", {}) for o in c.outputs), f"{name}: no picture from\n{c.source}"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_on_the_release_stops_at_the_stub_hints(executed, name):
    nb, release_dir = _run(executed, "release", name)
    prompts = {m.group(2) for p in glob.glob(os.path.join(release_dir, "*.py"))
               for m in PROMPT.finditer(open(p, encoding="utf-8").read())}
    errors = [(c, e) for c in _code_cells(nb) for e in _errors(c)]
    assert errors, f"{name} ran without an error on the stubs"
    for i, (c, e) in enumerate(errors):  # the first error is a stub's hint; later ones too, or a
        # NameError for a result that an earlier failing cell did not compute
        assert e.ename == "NotImplementedError" and e.evalue in prompts or i and e.ename == "NameError", (
            f"{name}: cell\n{c.source}\nraised {e.ename}: {e.evalue} (expected a stub's NotImplementedError)")
        assert not _is_check(c), f"{name}: check cell {c.source} raised instead of reporting failures"
    checks = [c for c in _code_cells(nb) if _is_check(c)]
    assert checks and any("Test case failed" in _text(c) for c in checks)


# ---- malformed sources stop the build with file:line ----

def _parse_error(text):
    with pytest.raises(MasterError) as e:
        cells = notebooks.parse(text, "nb.py")
        notebooks.validate(cells, "nb.py", {"q2_1_pairwise_similarities"})
    return str(e.value)


def test_parse_round_trips_jupytext():
    import jupytext

    for source in SOURCES:
        text = open(source, encoding="utf-8").read()
        ours = [(c.kind, c.source, c.tags) for c in notebooks.parse(text, source)]
        theirs = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in
                  jupytext.reads(text, fmt="py:percent").cells]
        assert ours == theirs, source


@pytest.mark.parametrize("text, expected", [
    ("x = 1\n# %%\ny = 2\n", "nb.py:1: text before the first cell marker"),
    ("# %% [markdown]\n# ok\nnot commented\n", "nb.py:3: a markdown cell line must be commented"),
    ("# %% [raw]\nx\n", "nb.py:1: unknown cell header"),
    ("# %% tags=plot\nx = 1\n", "nb.py:1: unknown cell header"),
    ("# %% tags=[1]\nx = 1\n", "nb.py:1: tags must be a JSON list of strings"),
    ("# %%\n\nx = 1\ny = (\n", "nb.py:4: syntax error in a code cell"),
    ("# %%\n# %autoreload 2\nimport otter\n\n# %%\n\ngrader.check('q9_nope')\n",
     "nb.py:7: grader.check('q9_nope'): no public test file assignment/tests/q9_nope.py"),
    ("# %%\ngrader.check(name)\n", "nb.py:2: grader.check needs a question name"),
    ("# %% [markdown]\n# title\n# %%\n\n", "nb.py:3: empty cell"),
])
def test_malformed_source_names_file_and_line(text, expected):
    assert _parse_error(text).startswith(expected)


def test_well_formed_source_with_magics_and_tags():
    text = "# %% [markdown]\n# # Title\n#\n# text\n\n# %% tags=[\"plot\"]\n# %matplotlib inline\nx = 1\n\n" \
           "# %%\ngrader.check(\"q2_1_pairwise_similarities\")\n"
    cells = notebooks.parse(text, "nb.py")
    notebooks.validate(cells, "nb.py", {"q2_1_pairwise_similarities"})
    assert [(c.kind, c.source, c.tags) for c in cells] == [
        ("markdown", "# Title\n\ntext", []), ("code", "%matplotlib inline\nx = 1", ["plot"]),
        ("code", 'grader.check("q2_1_pairwise_similarities")', [])]
    nb = json.loads(notebooks.to_ipynb(cells))
    assert [c["id"] for c in nb["cells"]] == ["cell-000", "cell-001", "cell-002"]
    assert nb["cells"][1]["metadata"] == {"tags": ["plot"]} and nb["cells"][1]["outputs"] == []


def test_build_fails_on_a_check_of_a_missing_question(repo_copy):
    source = repo_copy / os.path.relpath(SOURCES[0], ROOT)
    lines = source.read_text().splitlines(keepends=True)
    n = len(lines)
    source.write_text("".join(lines) + "\n# %%\ngrader.check(\"q9_does_not_exist\")\n")
    r = run_build(repo_copy, "--dist", str(repo_copy / "dist"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert (f"{os.path.relpath(SOURCES[0], ROOT)}:{n + 3}: grader.check('q9_does_not_exist'): "
            "no public test file") in r.stderr, r.stderr
