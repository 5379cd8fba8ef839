"""Run the public tests on your own machine: `python check.py [--verbose] [MODULE or QUESTION ...]`.

Uses the same tests and the same module loading as the autograder, calls your functions directly,
prints a table (part | question | test | result | hint, the hint being the first line of what went
wrong), a summary line "N passed, M failed", and exits 1 when a test fails. `--verbose` adds each
failure's full message under its row.
"""
import argparse
import glob
import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
RELEASE = os.path.dirname(HERE)
TEST_WIDTH = 50  # longest test description shown in the table
HINT_WIDTH = 100  # longest hint shown in the table


def _manifest():
    with open(os.path.join(HERE, "assignment.json")) as f:
        return json.load(f)


def failure_text(message):
    """The exception part of otter's failure message ("Type: text"), without the header and the test line.

    otter writes "<failed>\\nError at line N in test Q:\\n  <test source line>\\nType: text...".
    """
    lines = message.split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith("Error at line")), None)
    if start is None:
        return "\n".join(l for l in lines[1:] if l.strip()) or message.strip()
    i = start + 1
    while i < len(lines) and lines[i].startswith("  "):
        i += 1
    return "\n".join(lines[i:]).strip() or message.strip()


def shorten(text, width):
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3].rstrip() + "..."


def hint(message, where="", width=HINT_WIDTH):
    """The first line of the failure, shortened ("AssertionError: " dropped: the message says what is
    wrong). `where` ("function (module.py:line)") is put first for errors raised by Python or torch,
    whose messages do not name the student's function."""
    first = failure_text(message).split("\n")[0]
    if first.startswith("AssertionError: "):
        first = first[len("AssertionError: "):]
    elif where and not first.startswith(("NotImplementedError: ", "StudentImportError: ")):
        first = f"in {where}: {first}"
    return shorten(first, width)


def student_frame(exc, directory, modules):
    """'function (module.py:line)' of the innermost traceback frame in a student module, or ''."""
    files = {os.path.join(os.path.abspath(directory), m + ".py") for m in modules}
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename) in files:
            where = f"{frame.name} ({os.path.basename(frame.filename)}:{frame.lineno})"
    return where


def _indent(text, prefix="      "):
    return "\n".join(prefix + l for l in text.split("\n"))


def table(rows, out, verbose=False):
    """rows: (part, question, test, passed, message, where) -> the aligned table."""
    head = ("part", "question", "test", "result", "hint")
    cells = [(p, q, shorten(t, TEST_WIDTH), "PASS" if ok else "FAIL", "" if ok else hint(m, where))
             for p, q, t, ok, m, where in rows]
    widths = [max(len(head[i]), *(len(c[i]) for c in cells)) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    print(fmt.format(*head).rstrip(), file=out)
    print("  ".join("-" * w for w in widths) + "  ----", file=out)
    for c, (_, _, _, ok, m, where) in zip(cells, rows):
        print(fmt.format(*c).rstrip(), file=out)
        if verbose and not ok:  # otter's message: the test's line that failed, then the error
            print(_indent("\n".join(m.split("\n")[1:]) + (f"\n(raised in {where})" if where else "")), file=out)


def run(selection=(), directory=RELEASE, out=sys.stdout, verbose=False):
    """Run the public tests; returns the number of failed tests (0 when all passed)."""
    from otter.test_files import ExceptionTestFile
    from hw_support import otter_adapter
    from hw_support.loader import import_errors, load_student_modules

    manifest = _manifest()
    loaded = manifest["modules"] + manifest.get("given", [])  # given modules: shipped, never edited
    env = load_student_modules(loaded, directory)
    # your own links are followed here (make_submission.py packs what they point to); the grader refuses links
    env[otter_adapter.SUBMITTED_FILES] = {os.path.basename(p): os.path.realpath(p)
                                          for pattern in manifest.get("submission_files", [])
                                          for p in sorted(glob.glob(os.path.join(directory, pattern)))}
    for name, err in import_errors(env).items():
        print(f"!! {name}.py failed to import; its tests will fail:\n{err}\n", file=out)
    rows = []
    for path in sorted(glob.glob(os.path.join(directory, "tests", "*.py"))):
        tf = ExceptionTestFile.from_file(path)
        modules = set().union(*(otter_adapter.case_modules(tc, loaded) for tc in tf.test_cases))
        if selection and tf.name not in selection and not modules & set(selection):
            continue
        part = otter_adapter.question_part(tf.name)
        for tc in tf.test_cases:  # what ExceptionTestFile.run does, keeping the exception's traceback
            try:
                otter_adapter.call_case(tc, env)
                rows.append((part, tf.name, tc.name, True, "", ""))
            except Exception as e:
                message = "Test case failed\n" + otter_adapter.failure_message(tf, e)
                rows.append((part, tf.name, tc.name, False, message, student_frame(e, directory, manifest["modules"])))
    if not rows:
        print(f"No public test matches {' '.join(selection)}. Modules: {', '.join(manifest['modules'])}", file=out)
        return 1
    table(rows, out, verbose)
    failed = sum(not r[3] for r in rows)
    by_part = {}
    for p, _, _, ok, _, _ in rows:
        by_part.setdefault(p, [0, 0])[0 if ok else 1] += 1
    parts = ", ".join(f"Part {p} {n_ok}/{n_ok + n_bad}" for p, (n_ok, n_bad) in by_part.items())
    print(f"\n{len(rows) - failed} passed, {failed} failed ({parts})", file=out)
    if failed and not verbose:
        print("Run `python check.py --verbose` for the full messages.", file=out)
    return failed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="check.py", description="Run the public tests locally.")
    parser.add_argument("selection", nargs="*", metavar="MODULE_OR_QUESTION",
                        help="only these modules (e.g. attention) or questions (e.g. q2_1_pairwise_similarities)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show each failure's full message")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, RELEASE)
    failed = run(tuple(args.selection), verbose=args.verbose)
    sys.exit(1 if failed else 0)
