"""Gradescope's results.json from otter's grading results: one Gradescope test per test case.

Public cases show otter's full message. Hidden cases show only pass/fail and the exception raised
(our hidden assertions never print expected values); the line of test code otter quotes is
dropped so hidden test code never reaches a student.

Messages carry student text (exception messages, file names, import errors), so `write` cleans
every string (lone surrogates replaced, control characters other than newline and tab removed),
cuts each test's output to MAX_TEST_OUTPUT bytes and the summary to MAX_OUTPUT, and always leaves
a valid results.json. The summary is Markdown: `summary_markdown` escapes the student's text.
"""
import json
import os
import re
import sys

from hw_support.otter_adapter import question_part

FAILED = "❌"


def student_safe(message):
    """otter's failure message without its 'Error at line N in test X:' line and the quoted test code."""
    lines = message.split("\n")
    if len(lines) >= 3 and re.match(r"Error at line \d+ in test ", lines[1]):
        return "\n".join([lines[0]] + lines[3:])
    return message


def case_entry(question, number, case, passed, message, modules, hidden_visibility):
    points = case.points or 0
    out = message if not case.hidden else student_safe(message)
    if passed and case.success_message:
        out += "\n" + case.success_message
    if not passed and case.failure_message:
        out += "\nHint: " + case.failure_message
    return {
        "name": case.name,
        "number": number,
        "score": round(points if passed else 0, 5),
        "max_score": round(points, 5),
        "status": "passed" if passed else "failed",
        "visibility": hidden_visibility if case.hidden else "visible",
        "output": out,
        "tags": sorted(modules) + ["hidden" if case.hidden else "public"],
    }


def build(test_files, outcomes, config, overall_output):
    """results.json as a dict.

    test_files: [(question, [TestCase], modules)] in grading order; outcomes: {(question, case name):
    (passed, message)}; a case with no outcome failed with `config.not_run_message` (settings.Settings).
    """
    tests = []
    part_counter = {}
    for question, cases, modules in test_files:
        part = question_part(question)
        part_counter[part] = part_counter.get(part, 0) + 1
        for i, case in enumerate(cases, 1):
            passed, message = outcomes.get((question, case.name), (False, FAILED + " " + config.not_run_message))
            tests.append(case_entry(question, f"{part}.{part_counter[part]}.{i}", case, passed, message,
                                    modules, config.hidden_visibility))
    score = round(sum(t.get("score", 0) for t in tests), 5)
    return {
        "score": score,
        "output": overall_output,
        "output_format": "md",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


# ------------------------------------------------------------------------------ student text

MAX_TEST_OUTPUT = 4096  # bytes of UTF-8 per test output
MAX_OUTPUT = 16384  # bytes of the summary at the top
TRUNCATED = "\n... (truncated) ...\n"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text):
    """`text` as a str safe to encode: lone surrogates become U+FFFD, control characters other than
    newline and tab (and text-direction overrides) are dropped; \r\n and \r become newlines."""
    text = text if isinstance(text, str) else str(text)
    text = _SURROGATE.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text)


def truncate(text, limit):
    """At most `limit` bytes of UTF-8: the start and the end of `text` around a '(truncated)' line."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(TRUNCATED.encode())
    head = data[:room * 3 // 4].decode("utf-8", "ignore")
    tail = data[len(data) - room // 4:].decode("utf-8", "ignore")
    return head + TRUNCATED + tail


_MD_SPECIAL = set("\\`*[](){}#+!|~=^$")


def md_inline(text, limit=300):
    """Student text for one line of Markdown: no line breaks or control characters, HTML escaped,
    and every character that could start Markdown markup backslash-escaped (an underscore only
    where it could start emphasis, so file_names.py stay readable in the raw text)."""
    text = re.sub(r"\s", " ", clean(text))
    if len(text) > limit:
        text = text[:limit] + "..."
    out = []
    for i, c in enumerate(text):
        if c in _MD_SPECIAL or (c == "_" and not (0 < i < len(text) - 1 and text[i - 1].isalnum()
                                                   and text[i + 1].isalnum())):
            out.append("\\" + c)
        else:
            out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(c, c))
    return "".join(out)


def md_code(text, limit=300):
    """Student text as an inline code span (nothing inside is Markdown or HTML), on one line."""
    text = re.sub(r"\s", " ", clean(text))
    text = text[:limit] + "..." if len(text) > limit else text
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_code_block(text):
    """Student text as a fenced code block whose fence is longer than any backtick run inside."""
    text = truncate(clean(text), MAX_TEST_OUTPUT)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def summary_markdown(report, import_errors, manual):
    """The Markdown summary at the top of the results: how each file was found, notes on refused
    files and ignored archives, import errors (as code blocks) and the questions graded by hand."""
    lines = ["**Files graded**", ""]
    lines += [f"- {md_code(m if '.' in m else m + '.py')}: {md_inline(how)}" for m, how in report.items()]
    for template, name in getattr(report, "notes", []):
        before, _, after = template.partition("{}")
        lines.append("- " + md_inline(before) + ("" if name is None else md_code(name)) + md_inline(after))
    for m, err in import_errors.items():
        lines += ["", f"**{md_code(m + '.py')} failed to import**, so its tests score 0:", "", md_code_block(err)]
    if manual:
        total = sum(q["points"] for q in manual)
        lines += ["", f"**Graded by hand** ({total:g} points, not included in this score): "
                  + ", ".join(f"{q['name']} ({q['points']:g})" for q in manual)]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ results.json

def _cleaned(obj):
    """A copy of a JSON-able object with every string (keys too) cleaned and test outputs cut."""
    if isinstance(obj, dict):
        return {clean(k): _cleaned(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cleaned(v) for v in obj]
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, float) and obj != obj:  # NaN is not JSON
        return 0.0
    if obj is None or isinstance(obj, (bool, int, float)):
        return obj
    return clean(obj)


def _safe_document(results):
    doc = _cleaned(results)
    for t in doc.get("tests", []):
        if isinstance(t.get("output"), str):
            t["output"] = truncate(t["output"], MAX_TEST_OUTPUT)
    doc["output"] = truncate(doc.get("output", ""), MAX_OUTPUT)
    doc.setdefault("stdout_visibility", "hidden")  # stdout holds tracebacks: instructors only
    return doc


def _minimal(results):
    """A minimal valid document: the tests' scores without outputs, or nothing at all."""
    tests = []
    try:
        for t in results.get("tests", []):
            score, max_score = float(t["score"]), float(t["max_score"])
            tests.append({"name": clean(t["name"])[:200], "score": score, "max_score": max_score,
                          "status": "passed" if score >= max_score else "failed",
                          "visibility": clean(t.get("visibility", "visible"))})
    except Exception:
        tests = []
    return {"score": sum(t["score"] for t in tests), "stdout_visibility": "hidden", "tests": tests,
            "output": "The grader could not write its full results; scores only."}


def write(results, results_dir):
    """Write results_dir/results.json atomically; it always succeeds in leaving a valid document
    (cleaned and cut as the module docstring says, or a minimal one if that fails). Returns what
    was written."""
    path = os.path.join(results_dir, "results.json")
    tmp = path + ".tmp"
    for make in (_safe_document, _minimal, lambda r: {"score": 0, "tests": [], "stdout_visibility": "hidden",
                                                      "output": "The grader could not write its results."}):
        try:
            doc = make(results)
            text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
            return doc
        except Exception as e:
            print(f"results.json: {type(e).__name__}: {e!r}"[:2000], file=sys.stderr, flush=True)
    return None
