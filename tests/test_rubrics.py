"""Model answers and rubrics of the written questions (hwbuild/rubrics.py): checked against written.md
with file:line, built into solutions/written_rubrics.md only, never shipped to students."""
import json
import re

import pytest

from conftest import run_build
from hwbuild import parts, rubrics
from hwbuild.markers import MasterError

WRITTEN = """\
## Part 5: Toy

### 5.1 Why clip [1 point]

_Your answer:_

### 5.2 Where to clip [2 points]

_Your answer:_
"""

ANSWER_1 = "Clipping keeps every output inside the range that the next stage of the pipeline accepts."
RUBRICS = f"""\
A note for the graders of the whole part.

### 5.1 Why clip [1 point]

#### Model answer
{ANSWER_1}

#### Rubric
- +0.5: says the output stays in the range
- +0.5: says why the range matters

### 5.2 Where to clip [2 points]

#### Model answer
At both bounds, lo and hi.

#### Rubric
- +1: the lower bound
- +1: the upper bound

#### Grading notes
Either order.
"""


def toy_part(root, rubrics_text=RUBRICS, written=WRITTEN, number="5"):
    """The toy part in folder `root`, numbered `number` in the composed assignment (5 in its own files)."""
    for path, text in (("assignment/parts/toy/written.md", written), ("autograder/parts/toy/rubrics.md", rubrics_text)):
        if text is not None:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
    return parts.Part(name="toy", number=number, home="5", title="Toy", modules=("toy",), root=str(root))


def test_a_rubric_parses_into_answers_and_items(tmp_path):
    s1, s2 = rubrics.parse(toy_part(tmp_path))
    assert (s1.number, s1.answer, s1.line, s1.answer_line) == ("5.1", ANSWER_1, 3, 6)
    assert s1.items == ((0.5, "says the output stays in the range"), (0.5, "says why the range matters"))
    assert s2.items == ((1.0, "the lower bound"), (1.0, "the upper bound"))


OUT_OF_ORDER = RUBRICS.replace("#### Rubric\n- +1: the lower", "#### Grading notes\nx\n#### Rubric\n- +1: the lower")
MALFORMED = {  # name: (the rubric, (the line the error names: its start, which occurrence), the message)
    "points do not add up": (RUBRICS.replace("- +1: the upper", "- +0.5: the upper"), ("#### Rubric", 2),
                             r"question 5\.2: the rubric items add up to 1\.5 points, the question has 2"),
    "a question without a section": (RUBRICS[:RUBRICS.index("### 5.2")], ("Either order", 0),
                                     r"no section for written question 5\.2 \(written\.md:7: '### 5\.2 Where to clip"),
    "a question that does not exist": (RUBRICS + "\n### 5.3 Extra [1 point]\n\n#### Model answer\nx\n\n#### Rubric\n"
                                       "- +1: x\n", ("### 5.3", 1), r"no written question 5\.3 in written\.md \(questions: 5\.1, 5\.2\)"),
    "a second section": (RUBRICS + RUBRICS[RUBRICS.index("### 5.1"):RUBRICS.index("### 5.2")], ("### 5.1", 2),
                         r"a second section for question 5\.1 \(the first is at line 3\)"),
    "other points than written.md": (RUBRICS.replace("Why clip [1 point]", "Why clip [2 points]"), ("### 5.1", 1),
                                     r"heading differs from written\.md:3 \('### 5\.1 Why clip \[1 point\]'\)"),
    "an item without points": (RUBRICS.replace("- +1: the lower", "- the lower"), ("- the lower", 1),
                               r"a rubric item reads '- \+P: description'"),
    "a negative item": (RUBRICS.replace("- +1: the lower", "- -1: the lower"), ("- -1", 1), r"a rubric item reads"),
    "no model answer": (RUBRICS.replace("#### Model answer\nAt both", "At both"), ("At both", 1),
                        r"text before '#### Model answer'"),
    "an empty model answer": (RUBRICS.replace(ANSWER_1, ""), ("#### Model answer", 1),
                              r"question 5\.1: the model answer is empty"),
    "no rubric": (RUBRICS.replace("#### Rubric\n- +1: the lower bound\n- +1: the upper bound\n", ""), ("### 5.2", 1),
                  r"question 5\.2 has no '#### Rubric'"),
    "an unknown block": (RUBRICS.replace("#### Grading notes", "#### Notes"), ("#### Notes", 1), r"expected one of"),
    "blocks out of order": (OUT_OF_ORDER, ("#### Rubric", 2), r"'#### Rubric' is out of order"),
    "a heading before the questions": ("# Rubrics\n" + RUBRICS, ("# Rubrics", 1), r"no headings before the first question"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_rubric_stops_the_build_with_file_and_line(tmp_path, case):
    text, (start, occurrence), message = MALFORMED[case]
    lines = text.splitlines()
    line = [i for i, l in enumerate(lines, 1) if l.startswith(start)][occurrence - 1] if occurrence else len(lines)
    with pytest.raises(MasterError) as e:
        rubrics.parse(toy_part(tmp_path, text))
    assert re.fullmatch(rf"autograder/parts/toy/rubrics\.md:{line}: {message}.*", str(e.value)), str(e.value)


def test_a_part_with_written_questions_needs_its_rubrics_file(tmp_path):
    with pytest.raises(MasterError, match=r"^assignment/parts/toy/written\.md:1: .*autograder/parts/toy/rubrics\.md "
                                          r"is missing"):
        rubrics.parse(toy_part(tmp_path, rubrics_text=None))
    assert rubrics.parse(toy_part(tmp_path / "none", rubrics_text=None, written=None)) == []  # no written.md


def test_the_solutions_file_holds_every_part_renumbered_with_the_pasting_header(tmp_path):
    part = toy_part(tmp_path, number="7")
    out = rubrics.document(parts.Assignment("toy", (part,)))["written_rubrics.md"].decode()
    assert out.startswith("# Written questions: model answers and rubrics (graders only)")
    assert "Positive scoring" in out and "(3 points in 2 questions)" in out
    assert "## Part 7: Toy\n\nA note for the graders" in out
    assert "### 7.1 Why clip [1 point]" in out and "### 7.2 Where to clip [2 points]" in out and "### 5." not in out
    assert "- +0.5: says the output stays in the range" in out
    assert rubrics.document(parts.Assignment("toy", ())) == {}


def test_a_model_answer_in_the_release_the_zip_or_a_notebook_stops_the_build(tmp_path):
    part = toy_part(tmp_path)
    assignment = parts.Assignment("toy", (part,))
    rubrics.check_not_shipped(assignment, {"README.md": b"Clip your outputs."}, {"run_otter.py": b""})
    split = "# Notes.\n# " + ANSWER_1.replace(" the next ", "\n# the **next** ").upper() + "\n"  # across lines, marked up
    with pytest.raises(MasterError, match=r"^student_release/README\.md:2: gives away the model answer of written "
                                          r"question 5\.1 \(autograder/parts/toy/rubrics\.md:6\)"):
        rubrics.check_not_shipped(assignment, {"README.md": split.encode()}, {})
    with pytest.raises(MasterError, match=r"^autograder\.zip/harness/x\.py:2: gives away .* question 5\.1"):
        rubrics.check_not_shipped(assignment, {}, {"harness/x.py": split.encode()})
    (tmp_path / "assignment/parts/toy/notebook.py").write_text("# %% [markdown]\n# Look.\n" + split)
    with pytest.raises(MasterError, match=r"^assignment/parts/toy/notebook\.py:4: gives away .* question 5\.1"):
        rubrics.check_not_shipped(assignment, {"part5_toy.ipynb": b"{}"}, {})
    numbered = parts.Assignment("toy", (toy_part(tmp_path, number="7"),))
    with pytest.raises(MasterError, match=r"question 7\.1"):
        rubrics.check_not_shipped(numbered, {}, {})


def test_the_term_build_gives_graders_every_answer_and_students_none(build):
    text = build.solutions["written_rubrics.md"].decode()
    written = [w for p in build.assignment.parts for w in p.written()]
    assert [m.group(1) for m in re.finditer(r"^### (\d+\.\d+ .+) \[", text, re.M)] == [w["name"] for w in written]
    assert text.count("#### Model answer") == len(written)
    selected = rubrics.document(parts.compose(select=["3", "1"]))["written_rubrics.md"].decode()
    assert re.findall(r"^## Part (\d+)", selected, re.M) == ["1", "3"]
    alone = rubrics.document(parts.compose(select=["4"]))["written_rubrics.md"].decode()
    assert re.findall(r"^## Part (\d+)", alone, re.M) == ["4"]
    found = rubrics.sentences(build.assignment)
    assert len(found) > 3 * len(written)
    for where, files in (("student_release", build.release), ("autograder.zip", build.autograder)):
        for name, data in files.items():
            if name.endswith(".ipynb"):
                data = "\n".join("".join(c["source"]) for c in json.loads(data)["cells"]).encode()
            assert "rubrics" not in name and b"#### Model answer" not in data, (where, name)
            normal = rubrics._normal(data.decode("utf-8", "replace"))
            assert not [s for s in found if s in normal], (where, name)


def test_a_model_answer_pasted_into_a_notebook_or_a_missing_rubric_fails_the_build(repo_copy, tmp_path):
    answer = rubrics.parse(parts.load_part("attention_exploration"))[0].answer
    sentence = re.split(r"(?<=[.!?])\s+", answer)[1]
    notebook = repo_copy / "assignment" / "parts" / "attention_exploration" / "notebook.py"
    text = notebook.read_text()
    notebook.write_text(text.replace("\n#\n", "\n# " + sentence.replace("\n", "\n# ") + "\n#\n", 1))  # a markdown line
    assert notebook.read_text() != text
    r = run_build(repo_copy, "--parts", "1", "--out", str(tmp_path / "a"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert re.search(r"assignment/parts/attention_exploration/notebook\.py:\d+: gives away the model answer of "
                     r"written question 1\.1 \(autograder/parts/attention_exploration/rubrics\.md:\d+\)", r.stderr), r.stderr
    notebook.write_text(text)
    (repo_copy / "autograder" / "parts" / "attention_from_scratch" / "rubrics.md").unlink()
    r = run_build(repo_copy, "--parts", "2", "--out", str(tmp_path / "b"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "assignment/parts/attention_from_scratch/written.md:1: its written questions need model answers and " \
           "rubrics for the graders: autograder/parts/attention_from_scratch/rubrics.md is missing" in r.stderr, r.stderr
