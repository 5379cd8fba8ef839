"""Gradescope's results.json from otter's grading results: one Gradescope test per test case.

Public cases show otter's full message. Hidden cases show only pass/fail and the exception raised
(our hidden assertions never print expected values); the line of test code otter quotes is
dropped so hidden test code never reaches a student.
"""
import re

FAILED = "❌"


def student_safe(message):
    """otter's failure message without its 'Error at line N in test X:' line and the quoted test code."""
    lines = message.split("\n")
    if len(lines) >= 3 and re.match(r"Error at line \d+ in test ", lines[1]):
        return "\n".join([lines[0]] + lines[3:])
    return message


def part_of(question):
    """'q2_self_attention' -> '2'."""
    m = re.match(r"q(\d+)", question)
    return m.group(1) if m else "?"


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
    (passed, message)}; a case with no outcome failed with `config['not_run_message']`.
    """
    tests = []
    part_counter = {}
    for question, cases, modules in test_files:
        part = part_of(question)
        part_counter[part] = part_counter.get(part, 0) + 1
        for i, case in enumerate(cases, 1):
            passed, message = outcomes.get((question, case.name), (False, FAILED + " " + config["not_run_message"]))
            tests.append(case_entry(question, f"{part}.{part_counter[part]}.{i}", case, passed, message,
                                    modules, config["hidden_visibility"]))
    score = round(sum(t.get("score", 0) for t in tests), 5)
    return {
        "score": score,
        "output": overall_output,
        "output_format": "md",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
