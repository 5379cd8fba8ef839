"""What students read: Markdown test outputs and summary, and the optional Gradescope leaderboard.

Unit tests of autograder/harness/results.py and results_md.py (fast), the build's settings, and one
end-to-end grading of Part 4's result-file questions with the leaderboard switched on.
"""
import json
import math
import os
import re
import shutil
from collections import namedtuple

import pytest

from conftest import ROOT, graded_tests
from hwbuild import grading, parts, pipeline, zips
from hwbuild.markers import MasterError

import results  # noqa: E402  (autograder/harness, on the path through conftest)
import results_md  # noqa: E402
from settings import Settings  # noqa: E402

Case = namedtuple("Case", "name points hidden success_message failure_message")
HOSTILE = [
    "``` \n</code><script>alert(1)</script>\n```",
    "````````````````````````````````````````````````````````````` closing? ``",
    "`" * 5000,
    "~~~\n**bold** _em_ __init__ [link](http://x) <img src=x onerror=alert(1)>\n~~~",
    "    ```\n   ````\n" * 50,
    "x" * 100_000 + "<script>tail</script>",
    "é\ud800\x00\x1b[31m" * 3000,
]
PUBLIC_MESSAGE = ("❌ Test case failed\nError at line 12 in test q2_1_pairwise_similarities:\n"
                  "      assert torch.allclose(secret_expected_values(Q), got)\nAssertionError: {}")


def fences_closed(md):
    """True if every fenced code block (CommonMark: ``` or ~~~, at most 3 spaces of indent) is closed."""
    open_fence = None
    for line in md.split("\n"):
        if open_fence is None:
            m = re.match(r"^ {0,3}(`{3,}|~{3,})(.*)$", line)
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                open_fence = m.group(1)
        elif re.match(rf"^ {{0,3}}{re.escape(open_fence[0])}{{{len(open_fence)},}}\s*$", line):
            open_fence = None
    return open_fence is None


def rendered(md):
    """HTML of `md` by a CommonMark renderer that passes raw HTML through (as a careless site would)."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").render(md)


def assert_safe(md, limit):
    assert len(md.encode("utf-8")) <= limit
    assert fences_closed(md), md[-300:]
    html = rendered(md)
    assert "<script" not in html and "<img" not in html and "<b>" not in html


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_a_test_output_keeps_student_text_in_a_closed_block(text):
    out = results_md.test_output(PUBLIC_MESSAGE.format(text), hint="call `f` on <b>__x__</b>")
    assert_safe(out, results_md.MAX_TEST_OUTPUT)
    assert out.startswith("❌ Test case failed\n\n")
    assert "**Hint:** call \\`f\\` on &lt;b&gt;\\_\\_x\\_\\_&lt;/b&gt;" in out  # escaped, not cut by a long message
    html = rendered(out)
    assert "<pre><code" in html and "Error at line 12" in html


def test_short_student_text_is_shown_verbatim_in_the_block():
    out = results_md.test_output("❌ Test case failed\nAssertionError: got __init__ * 2 <tensor>")
    html = rendered(out)
    assert "AssertionError: got __init__ * 2 &lt;tensor&gt;\n</code></pre>" in html
    assert results_md.test_output("✅ Test case passed") == "✅ Test case passed"


@pytest.mark.parametrize("text", HOSTILE[:3] + HOSTILE[5:], ids=range(5))
def test_code_spans_and_inline_text_stay_on_one_line_and_inert(text):
    for md in (results_md.md_inline(text), results_md.md_code(text)):
        assert "\n" not in md
        html = rendered("- " + md)
        assert "<script" not in html and html.count("<li>") == 1


def test_summary_sections_never_cut_a_fence():
    report = {m: "submitted as " + "_*`<script>`*_" * 50 for m in ("attention", "dataset")}
    errors = {m: "Traceback\n" + HOSTILE[2] + HOSTILE[5] for m in ("attention", "dataset", "lm", "query_crafting")}
    summary = results_md.join_summary(results_md.summary_sections(report, errors, []))
    assert_safe(summary, results_md.MAX_OUTPUT)
    assert summary.count("failed to import") >= 3


def _case(name, points, hidden=False, hint=None):
    return Case(name, points, hidden, None, hint)


TEST_FILES = [
    ("q1_1_a", [_case("p1", 2), _case("h1", 3, True)], {"query_crafting"}),
    ("q2_1_b", [_case("p2", 1.5), _case("p3", 1), _case("h2", 4, True, hint="look at *this*")], {"attention"}),
]
OUTCOMES = {
    ("q1_1_a", "p1"): (True, "✅ Test case passed"),
    ("q1_1_a", "h1"): (True, "✅ Test case passed"),
    ("q2_1_b", "p2"): (False, PUBLIC_MESSAGE.format("student `text` <script>")),
    ("q2_1_b", "h2"): (False, PUBLIC_MESSAGE.format("hidden failure")),
}  # p3 did not run
PARTS = [{"number": "1", "title": "Attention | exploration"}, {"number": "2", "title": "Attention from scratch"}]


def _table(output):
    """{part: (public cell, hidden cell)} of the points table at the top of `output`."""
    rows = [[c.strip(" *") for c in re.split(r"(?<!\\)\|", l)[1:-1]] for l in output.split("\n")
            if l.startswith("| ") and "---" not in l]
    return {r[0]: (r[2], r[3]) for r in rows[1:]}


@pytest.mark.parametrize("hidden_visibility", ["after_published", "visible"])
def test_summary_table_totals_match_the_tests(hidden_visibility):
    config = Settings(parts=PARTS, hidden_visibility=hidden_visibility)
    doc = results.build(TEST_FILES, OUTCOMES, config, ["**Files graded**"], notice="**Problem**")
    table = _table(doc["output"])
    shown = hidden_visibility == "visible"
    assert table == {"1": ("2 / 2", ("3" if shown else "–") + " / 3"), "2": ("0 / 2.5", ("0" if shown else "–") + " / 4"),
                     "Total": ("2 / 4.5", ("3" if shown else "–") + " / 7")}
    assert doc["score"] == 5 == sum(t["score"] for t in doc["tests"])
    assert doc["output"].startswith("**Problem**\n\n| Part | Title |")
    assert "Attention \\| exploration" in doc["output"] and doc["output"].endswith("**Files graded**")
    assert ("shown once grades are published" in doc["output"]) != shown
    assert all(t["output_format"] == "md" for t in doc["tests"]) and doc["test_output_format"] == "md"
    assert "leaderboard" not in doc


def test_hidden_tests_show_no_test_code_and_public_ones_do():
    doc = results.build(TEST_FILES, OUTCOMES, Settings(parts=PARTS), [])
    by_name = {t["name"]: t for t in doc["tests"]}
    for t in doc["tests"]:
        assert_safe(t["output"], results_md.MAX_TEST_OUTPUT)
    assert "secret_expected_values" in by_name["p2"]["output"] and "<script>" in by_name["p2"]["output"]
    assert "secret_expected_values" not in by_name["h2"]["output"] and "Error at line" not in by_name["h2"]["output"]
    assert "AssertionError: hidden failure" in by_name["h2"]["output"]
    assert "**Hint:** look at \\*this\\*" in by_name["h2"]["output"]
    assert "Not run" in by_name["p3"]["output"] and by_name["p3"]["score"] == 0


# ------------------------------------------------------------------------------ leaderboard

METRICS = [{"name": "Accuracy (%)", "order": "desc"}, {"name": "Perplexity", "order": "asc"}]


def test_leaderboard_present_only_when_metrics_are_declared():
    board = [{"name": "Accuracy (%)", "value": 91.5, "order": "desc"}]
    off = results.build(TEST_FILES, OUTCOMES, Settings(), [], leaderboard=board)
    on = results.build(TEST_FILES, OUTCOMES, Settings(leaderboard=METRICS), [], leaderboard=board)
    assert "leaderboard" not in off and on["leaderboard"] == board


def test_leaderboard_entries_keep_only_declared_finite_numbers(tmp_path):
    path = tmp_path / "leaderboard.jsonl"
    lines = ['{"name": "Accuracy (%)", "value": 50}', '{"name": "Accuracy (%)", "value": NaN}',
             '{"name": "Accuracy (%)", "value": Infinity}', '{"name": "Accuracy (%)", "value": 1e300}',
             '{"name": "Accuracy (%)", "value": "99"}', '{"name": "Accuracy (%)", "value": true}',
             '{"name": "Accuracy (%)", "value": ' + "9" * 500 + '}', '{"name": "Accuracy (%)", "value": [1]}',
             '{"name": "Unknown", "value": 1}', '{"name": ["Perplexity"], "value": 1}', '"just a string"', "[1, 2]",
             "not json", '{"name": "Perplexity", "value": 3.25}', '{"name": "Accuracy (%)", "value": 87.123456789}',
             '{"name": "Perplexity"']
    path.write_text("\n".join(lines) + "\n")
    assert results.leaderboard_entries(str(path), METRICS) == [
        {"name": "Accuracy (%)", "value": 87.123457, "order": "desc"}, {"name": "Perplexity", "value": 3.25, "order": "asc"}]
    assert results.leaderboard_entries(str(tmp_path / "missing"), METRICS) == []


def test_leaderboard_file_is_read_bounded_and_never_through_a_link(tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_text(" " * results.MAX_LEADERBOARD_BYTES + '\n{"name": "Perplexity", "value": 1}\n')
    assert results.leaderboard_entries(str(big), METRICS) == []
    target = tmp_path / "target.jsonl"
    target.write_text('{"name": "Perplexity", "value": 1}\n')
    os.symlink(target, tmp_path / "link.jsonl")
    assert results.leaderboard_entries(str(tmp_path / "link.jsonl"), METRICS) == []


def test_record_writes_only_real_finite_numbers(tmp_path, monkeypatch):
    from hw_support import leaderboard

    leaderboard.record("Perplexity", 1.0)  # FILE unset (check.py, verify): nothing happens
    monkeypatch.setattr(leaderboard, "FILE", str(tmp_path / "lb.jsonl"))

    class FakeNumber:
        def __float__(self):
            return 1.0

    for value in (math.nan, math.inf, True, "3", FakeNumber(), 10 ** 400, None):
        leaderboard.record("Perplexity", value)
    leaderboard.record("Perplexity", 2)
    leaderboard.record(["Perplexity"], 1.0)
    assert (tmp_path / "lb.jsonl").read_text() == '{"name": "Perplexity", "value": 2.0}\n'


def _composition(tmp_path, leaderboard, select=None):
    text = open(parts.CONFIG).read().replace("leaderboard: false", f"leaderboard: {str(leaderboard).lower()}")
    config = tmp_path / "assignment.yml"
    config.write_text(text)
    return parts.compose(str(config), select)


@pytest.mark.parametrize("leaderboard, select, expected", [
    (False, None, []),
    (True, None, ["Pretrained vanilla: test accuracy (%)", "Pretrained synthesizer: test accuracy (%)",
                  "Language model: test perplexity", "Fine-tuned classifier: test accuracy (%)",
                  "Fine-tuned RoBERTa-style classifier: test accuracy (%)"]),
    (True, ["4"], ["Language model: test perplexity", "Fine-tuned classifier: test accuracy (%)"]),
    (True, ["1", "2"], []),
])
def test_settings_carry_the_selected_parts_metrics_and_titles(tmp_path, leaderboard, select, expected):
    settings = pipeline.harness_settings(_composition(tmp_path, leaderboard, select))
    assert [m["name"] for m in settings.leaderboard] == expected
    assert all(m["order"] == ("asc" if "perplexity" in m["name"] else "desc") for m in settings.leaderboard)
    assert [p["number"] for p in settings.parts] == (select or [p.number for p in parts.compose().parts])
    assert all(p["title"] for p in settings.parts)


def test_a_metric_no_test_records_stops_the_build(tmp_path):
    folder = tmp_path / "parts" / "toy_metric"
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / "q9_1_x.py").write_text('leaderboard.record("Score", 1.0)\n')
    path = str(folder / "part.yml")
    assert parts._leaderboard_metrics(path, [{"name": "Score"}]) == ({"name": "Score", "order": "desc"},)
    for bad in ([{"name": "Other"}], [{"name": "Score", "order": "up"}], [{"name": ""}], "Score", [{"name": "Score", "x": 1}]):
        with pytest.raises(MasterError):
            parts._leaderboard_metrics(path, bad)


# ------------------------------------------------------------------------------ end to end

def test_part4_results_with_the_leaderboard_on(build, tmp_path):
    """One grading of Part 4's result-file questions: the solution's metrics reach the leaderboard, a
    hostile predictions file fails its tests in well-formed Markdown and records no accuracy."""
    files = {n: d for n, d in build.autograder.items()
             if not n.startswith("tests/") or re.match(r"tests/q4_[56]_", n)}
    settings = json.loads(files["harness/grading.json"])
    settings["leaderboard"] = [m for m in _composition(tmp_path, True).leaderboard_metrics()]
    files["harness/grading.json"] = json.dumps(settings).encode()
    zip_path = str(tmp_path / "autograder.zip")
    zips.write_zip(zip_path, files)
    sub = tmp_path / "sub"
    shutil.copytree(os.path.join(ROOT, "solutions"), sub)
    lines = ["1"] * 500
    lines[4] = "<script>``` _x_ **"
    (sub / "sentiment_predictions.txt").write_text("\n".join(lines) + "\n")
    r, _ = grading.grade(zip_path, str(sub))
    tests = graded_tests(r)
    assert {t["name"].split(":")[0] for t in tests if t["status"] == "failed"} == {
        "sentiment_predictions.txt", "fine-tuned classifier"}
    for t in tests:
        assert_safe(t["output"], results_md.MAX_TEST_OUTPUT)
    failed = next(t for t in tests if t["name"].startswith("sentiment_predictions.txt"))
    assert "line 5: '<script>``` _x_ **' is not a label 0 or 1" in failed["output"]
    assert_safe(r["output"], results_md.MAX_OUTPUT)
    assert _table(r["output"])["4"][0] == f"{sum(t['score'] for t in tests if 'public' in t['tags']):g} / " \
        f"{sum(t['max_score'] for t in tests if 'public' in t['tags']):g}"
    assert [e["name"] for e in r["leaderboard"]] == ["Language model: test perplexity"]
    assert r["leaderboard"][0]["order"] == "asc" and 1 < r["leaderboard"][0]["value"] < 100
