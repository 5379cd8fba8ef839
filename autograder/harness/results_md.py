"""What students read on Gradescope, as Markdown: each test's output and the summary at the top.

Every string a submission can influence (exception messages, file names, import errors) is treated
as hostile: it goes inside a fenced code block (nothing in it is Markdown or HTML) or through
`md_inline` / `md_code`. Sizes are bounded here, before the fences are written, so cutting a text
never leaves a fence open: a test's output is at most MAX_TEST_OUTPUT bytes and the summary at most
MAX_OUTPUT, whatever the student's text.
"""
import re

MAX_TEST_OUTPUT = 4096  # bytes of UTF-8 per test output
MAX_OUTPUT = 16384  # bytes of the summary at the top
TRUNCATED = "\n... (truncated) ...\n"
MAX_BACKTICK_RUN = 20  # longer runs of backticks in student text are split, so fences stay short
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text):
    """`text` as a str safe to encode: lone surrogates become U+FFFD, control characters other than
    newline and tab (and text-direction overrides) are dropped; \\r\\n and \\r become newlines."""
    text = text if isinstance(text, str) else str(text)
    text = _SURROGATE.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text)


def nbytes(text):
    return len(text.encode("utf-8"))


def truncate(text, limit):
    """At most `limit` bytes of UTF-8: the start and the end of `text` around a '(truncated)' line."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = max(0, limit - nbytes(TRUNCATED))
    head = data[:room * 3 // 4].decode("utf-8", "ignore")
    tail = data[len(data) - room // 4:].decode("utf-8", "ignore") if room // 4 else ""
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


def _split_backtick_runs(text):
    n = MAX_BACKTICK_RUN
    return re.sub(f"`{{{n + 1},}}", lambda m: " ".join(m.group()[i:i + n] for i in range(0, len(m.group()), n)), text)


def md_code_block(text, limit=MAX_TEST_OUTPUT):
    """Student text as a fenced code block of at most `limit` bytes, fences included: the text is cut
    first, then fenced with more backticks than any run inside (runs longer than MAX_BACKTICK_RUN are
    split by a space, so the fence stays short)."""
    text = _split_backtick_runs(clean(text))
    fence = "`" * (max([3] + [len(run) + 1 for run in re.findall(r"`+", text)]))
    text = truncate(text, max(0, limit - 2 * len(fence) - len("text") - 2))
    return f"{fence}text\n{text}\n{fence}"


# ------------------------------------------------------------------------------ one test's output

def test_output(message, hint=None, note=None, limit=MAX_TEST_OUTPUT):
    """One test's output: otter's first line ("✅ Test case passed", "❌ Test case failed", or a
    not-run explanation) as text, the rest of its message (the exception, for public tests the test
    line that failed) in a code block, then the hint (`failure_message`) or `note` (`success_message`)
    as escaped text. At most `limit` bytes, every fence closed."""
    status, _, details = clean(message).partition("\n")
    lines = [md_inline(status, 500)]
    extra = [f"**Hint:** {md_inline(hint, 1000)}"] if hint else []
    extra += [md_inline(note, 1000)] if note else []
    room = limit - nbytes("\n\n".join(lines + extra)) - 2
    if details.strip() and room > 64:
        lines.append(md_code_block(details.strip("\n"), room))
    return "\n\n".join(lines + extra)


# ------------------------------------------------------------------------------ the summary

def _points(x):
    return f"{round(x, 3):g}"


def points_table(parts, titles, hidden_visible):
    """The points of each part as a Markdown table. `parts`: {part number: {"public": [earned,
    possible], "hidden": [earned, possible]}}; `titles`: {part number: title}. Hidden points earned
    are shown only when hidden results are visible at once (`hidden_visible`)."""
    def key(p):
        return (0, int(p), "") if str(p).isdigit() else (1, 0, str(p))

    def cell(got, possible, shown=True):
        return f"{_points(got) if shown else '–'} / {_points(possible)}" if possible else "–"

    lines = ["| Part | Title | Public tests | Hidden tests |", "|---|---|---|---|"]
    totals = {"public": [0.0, 0.0], "hidden": [0.0, 0.0]}
    for p in sorted(parts, key=key):
        row = parts[p]
        for kind in totals:
            totals[kind][0] += row[kind][0]
            totals[kind][1] += row[kind][1]
        lines.append(f"| {md_inline(p, 20)} | {md_inline(titles.get(p, ''), 100)} | {cell(*row['public'])} | "
                     f"{cell(*row['hidden'], hidden_visible)} |")
    lines.append(f"| **Total** | | **{cell(*totals['public'])}** | **{cell(*totals['hidden'], hidden_visible)}** |")
    if totals["hidden"][1] and not hidden_visible:
        lines += ["", "Hidden tests' results (and their points) are shown once grades are published."]
    return "\n".join(lines)


def summary_sections(report, import_errors, manual):
    """The Markdown summary of the submission, as sections: how each file was found, notes on refused
    files and ignored archives; each import error (a code block); the questions graded by hand."""
    lines = ["**Files graded**", ""]
    lines += [f"- {md_code(m if '.' in m else m + '.py')}: {md_inline(how)}" for m, how in report.items()]
    for template, name in getattr(report, "notes", []):
        before, _, after = template.partition("{}")
        lines.append("- " + md_inline(before) + ("" if name is None else md_code(name)) + md_inline(after))
    sections = ["\n".join(lines)]
    for m, err in import_errors.items():
        sections.append(f"**{md_code(m + '.py')} failed to import**, so its tests score 0:\n\n"
                        + md_code_block(err, MAX_OUTPUT // 4))
    if manual:
        total = sum(q["points"] for q in manual)
        sections.append(f"**Graded by hand** ({_points(total)} points, not included in this score): "
                        + ", ".join(f"{md_inline(q['name'], 100)} ({_points(q['points'])})" for q in manual))
    return sections


TOO_LONG = "*(the rest of this summary was too long to show)*"


def join_summary(sections, limit=MAX_OUTPUT):
    """The top output: `sections` (Markdown, each complete) joined in at most `limit` bytes. A section
    that does not fit ends the summary: cut if it holds no code block, else left out (a fence is never
    cut open)."""
    out, room = [], limit - nbytes(TOO_LONG) - 4
    for s in (s for s in sections if s):
        size = nbytes(s) + 2
        if size > room:
            if "```" not in s and room > 200:
                out.append(truncate(s, room - 2))
            out.append(TOO_LONG)
            break
        out.append(s)
        room -= size
    return "\n\n".join(out)
