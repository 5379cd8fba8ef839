"""Hostile uploads, graded through the Gradescope entry point (`hwbuild.grading.grade`): links and
special files, odd and hostile archives, text that would break results.json or its Markdown, and
result files that would blow up the grader's memory. The grader runs as root, so nothing in an
upload may be followed, trusted or waited on.

Two gradings carry most behaviours (each asserted in its own test); the guarded readers
(`hw_support.result_files`, `archives.py`) are also checked directly on cases too big to grade.
"""
import io
import json
import os
import re
import sys
import zipfile

import pytest
import torch

from conftest import ROOT, graded_tests
from test_adversarial import hostile
from test_grading import assert_gradescope_schema

from hw_support import result_files

sys.path.insert(0, os.path.join(ROOT, "autograder", "harness"))
import archives  # noqa: E402

SOLUTIONS = os.path.join(ROOT, "solutions")
MODULE_SECRET = "MODULE-SECRET-5f2a91"
RESULT_SECRET = "RESULT-SECRET-77c0de"
HEADING = "# All tests passed"


def solution(name):
    with open(os.path.join(SOLUTIONS, name), "rb") as f:
        return f.read()


def rezip(data, compression=zipfile.ZIP_DEFLATED):
    """The same zip (a torch.save file) with its entries recompressed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", compression) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    return out.getvalue()


def torch_bytes(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    return buf.getvalue()


def patch_headers(data, method=None, flags=None):
    """A zip whose entries claim compression `method` and/or general-purpose `flags` (in both headers)."""
    data = bytearray(data)
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for m in re.finditer(re.escape(sig), bytes(data)):
            for value, at in ((flags, flag_at), (method, flag_at + 2)):
                if value is not None:
                    data[m.start() + at:m.start() + at + 2] = value.to_bytes(2, "little")
    return bytes(data)


def make_zip(path, entries, compression=zipfile.ZIP_STORED):
    """entries: [(name or ZipInfo, bytes)]."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def summary_outside_code(markdown):
    """The summary's lines that are not inside fenced code blocks."""
    out, fence = [], None
    for line in markdown.split("\n"):
        m = re.match(r"^(`{3,})\s*$", line)
        if fence is None and re.match(r"^`{3,}", line):
            fence = re.match(r"^`+", line).group(0)
        elif fence is not None and m and len(m.group(1)) >= len(fence):
            fence = None
        elif fence is None:
            out.append(line)
    return out


def by_name(results, prefix):
    found = [t for t in graded_tests(results) if t["name"].startswith(prefix)]
    assert found, prefix
    return found[0]


# ---------------------------------------------------------------------------------------------
# Grading 1: links, a fifo and hostile result files (only the tests that read submitted files)

@pytest.fixture(scope="module")
def links_graded(build, autograder_zip, tmp_path_factory):
    from hwbuild import grading

    tmp = tmp_path_factory.mktemp("links")
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "module_secret.py").write_text(MODULE_SECRET + "\n")
    (outside / "result_secret.txt").write_text(RESULT_SECRET + "\n" * 1000)
    sub = tmp / "sub"
    sub.mkdir()
    for name in ("attention.py", "model.py", "query_crafting.py", "sentiment_scratch_predictions.txt",
                 "vanilla.pretrain.test.predictions", "synthesizer.pretrain.test.predictions"):
        (sub / name).write_bytes(solution(name))
    os.symlink(outside / "module_secret.py", sub / "dataset.py")  # a module linked to a secret
    os.symlink(outside / "result_secret.txt", sub / "sentiment_predictions.txt")  # a result file too
    os.symlink("/dev/zero", sub / "vanilla.nopretrain.test.predictions")  # endless
    os.mkfifo(sub / "lm.py")  # would block whoever opens it
    # result files: an lm_params.pt whose deflated entries expand ~1000x when loaded, a deflated params
    # file, and one in torch's legacy (non-zip) format
    lm = torch.load(io.BytesIO(solution("lm_params.pt")), weights_only=True)
    lm["padding"] = torch.zeros(16 << 20)  # 64 MB of zeros: a 64 KB file once deflated
    (sub / "lm_params.pt").write_bytes(rezip(torch_bytes(lm)))
    (sub / "vanilla.finetune.params").write_bytes(rezip(solution("vanilla.finetune.params")))
    params = torch.load(io.BytesIO(solution("synthesizer.finetune.params")), weights_only=True)
    (sub / "synthesizer.finetune.params").write_bytes(torch_bytes(params, _use_new_zipfile_serialization=False))
    results, _ = grading.grade(autograder_zip, str(sub), only="submitted_files")
    assert_gradescope_schema(results)
    return results


def test_links_are_refused_and_never_read(links_graded):
    text = json.dumps(links_graded, ensure_ascii=False)
    assert MODULE_SECRET not in text and RESULT_SECRET not in text
    out = links_graded["output"]
    for name in ("dataset.py", "sentiment_predictions.txt", "vanilla.nopretrain.test.predictions"):
        assert f"link refused: `{name}`" in out, out
    assert "`dataset.py`: not submitted: graded with the release's unchanged stub" in out
    assert "could not finish" not in out
    fine_tuned = by_name(links_graded, "sentiment_predictions.txt:")
    assert fine_tuned["score"] == 0 and "sentiment_predictions.txt was not submitted" in fine_tuned["output"]
    nopretrain = by_name(links_graded, "No-pretraining")
    assert nopretrain["score"] == 0 and "was not submitted" in nopretrain["output"]


def test_a_fifo_is_refused_without_blocking(links_graded):
    assert "fifo refused: `lm.py`" in links_graded["output"]
    assert "`lm.py`: not submitted" in links_graded["output"]


def test_other_result_files_are_still_graded(links_graded):
    scratch = by_name(links_graded, "sentiment_scratch_predictions.txt:")
    assert scratch["status"] == "passed", scratch["output"]


def test_compressed_torch_files_are_refused_unloaded(links_graded):
    reads_params = [t for t in graded_tests(links_graded) if ("lm_params.pt" in t["name"] or "perplexity" in t["name"])
                    and not t["name"].startswith("lm_metrics_main.json")]  # those stop earlier: no metrics file here
    assert reads_params
    for t in reads_params:
        assert t["score"] == 0
        assert "lm_params.pt is not a file written by torch.save: its entry" in t["output"], t["output"]
        assert "is compressed" in t["output"]
    vanilla = by_name(links_graded, "Pretrained vanilla")
    assert vanilla["score"] == 0
    assert "vanilla.finetune.params is not a params file written by run.py" in vanilla["output"]
    assert "is compressed" in vanilla["output"]


def test_legacy_torch_format_is_refused(links_graded):
    synth = by_name(links_graded, "Pretrained synthesizer")
    assert synth["score"] == 0 and "old (non-zip) format" in synth["output"], synth["output"]


# ---------------------------------------------------------------------------------------------
# Grading 2: odd archives, nested zips, hostile file names and messages (attention's tests)

SURROGATE_CODE = '''
def pairwise_similarities(Q, K):
    raise ValueError("\\udcff" + "x" * 100000)
'''
IMPORT_ERROR = f'raise ImportError("````\\n\\n{HEADING}\\n\\n<img src=x onerror=alert(1)> [click](http://e.invalid)")\n'


@pytest.fixture(scope="module")
def archives_graded(build, autograder_zip, tmp_path_factory):
    from hwbuild import grading

    tmp = tmp_path_factory.mktemp("archives")
    sub = tmp / "sub"
    sub.mkdir()
    make_zip(sub / "submission.zip", [("attention.py", hostile(SURROGATE_CODE).encode())], zipfile.ZIP_DEFLATED)
    (sub / "dataset.py").write_text(IMPORT_ERROR)
    plain = open(make_zip(tmp / "plain.zip", [("model.py", b"x = 1\n")]), "rb").read()
    (sub / "encrypted.zip").write_bytes(patch_headers(plain, flags=0x1))
    (sub / "deflate64.zip").write_bytes(patch_headers(plain, method=9))
    crc = bytearray(open(make_zip(tmp / "crc.zip", [("model.py", b"x = 1\n" * 100)]), "rb").read())
    crc[40] ^= 0xFF  # a byte of the stored data
    (sub / "corrupt.zip").write_bytes(bytes(crc))
    with zipfile.ZipFile(sub / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf, zf.open("model.py", "w") as f:
        for _ in range(50):
            f.write(bytes(1 << 20))  # 50 MB of zeros, ~50 KB compressed
    make_zip(sub / "many.zip", [(f"f{i}.txt", b"") for i in range(2500)])
    link = zipfile.ZipInfo("vanilla.finetune.params")
    link.external_attr = 0o120777 << 16  # a symlink entry
    make_zip(sub / "odd.zip", [
        ("clash", b"a file"), ("clash/model.py", b"x = 1\n"),  # a file and a folder of the same name
        ("/".join(["deep"] * 40) + "/synthesizer.finetune.params", b"deep"),
        ("/".join(["d"] * 2100) + "/model.py", b"too long for a path"),
        (link, b"/etc/passwd"),
        ("query_crafting.py", solution("query_crafting.py")),  # still graded from this archive
    ])
    inner = make_zip(tmp / "inner.zip", [("lm_params.pt", b"nested")])
    make_zip(sub / "outer.zip", [("inner.zip", open(inner, "rb").read())])
    weird = os.path.join(os.fsencode(str(sub)), b"caf\xe9")  # not UTF-8
    os.mkdir(weird)
    with open(os.path.join(weird, b"lm.py"), "wb") as f:
        f.write(solution("lm.py"))
    with open(os.path.join(weird, b"model.py"), "wb") as f:  # a given module: the upload is ignored
        f.write(b"raise SystemExit\n")
    heading_dir = sub / f"notes\n{HEADING}\n"
    heading_dir.mkdir()
    (heading_dir / "sentiment_scratch_predictions.txt").write_bytes(solution("sentiment_scratch_predictions.txt"))
    results, _ = grading.grade(autograder_zip, str(sub), only="attention")
    return results


def test_bad_archives_are_ignored_with_a_note_and_the_rest_is_graded(archives_graded):
    out = archives_graded["output"]
    assert "could not finish" not in out
    for note in ("encrypted.zip` ignored: it has an encrypted entry",
                 "deflate64.zip` ignored: it uses compression method 9",
                 "corrupt.zip` ignored: it is not a zip archive or it is corrupt",
                 "bomb.zip` ignored: an entry is compressed more than 200 times",
                 "many.zip` ignored: it has more than 2000 entries",
                 "odd.zip`: 1 entry skipped \\(names that clash",
                 "odd.zip`: 2 entries skipped \\(deeper than 12 levels\\)",
                 "odd.zip`: 1 entry skipped \\(links or special files\\)"):
        assert note in out, (note, out)
    assert "`query_crafting.py`: submitted as odd_unzipped/query_crafting.py" in out
    assert "`attention.py`: submitted as submission_unzipped/attention.py" in out
    tests = graded_tests(archives_graded)
    others = [t for t in tests if not t["name"].startswith("pairwise_similarities")]
    assert len(others) > 30 and all(t["status"] == "passed" for t in others), \
        [t["name"] for t in others if t["status"] != "passed"]


def test_zips_inside_zips_are_not_opened(archives_graded):
    assert "`lm_params.pt`: not submitted" in archives_graded["output"]
    assert "inner_unzipped" not in archives_graded["output"]


def test_results_json_survives_surrogates_and_is_bounded(archives_graded):
    assert_gradescope_schema(archives_graded)
    text = json.dumps(archives_graded, ensure_ascii=False)
    assert not re.search("[\ud800-\udfff]", text)
    text.encode("utf-8")  # strict: no lone surrogate anywhere
    failing = [t for t in graded_tests(archives_graded) if t["name"].startswith("pairwise_similarities")]
    assert failing and all(t["status"] == "failed" for t in failing)
    for t in graded_tests(archives_graded):
        assert len(t["output"].encode()) <= 4608, (t["name"], len(t["output"]))
    assert any("\ufffd" in t["output"] and "(truncated)" in t["output"] for t in failing)
    assert len(text.encode()) < 100_000


def test_student_text_cannot_inject_markdown(archives_graded):
    out = archives_graded["output"]
    outside = summary_outside_code(out)
    assert not [l for l in outside if l.lstrip().startswith("#")], outside
    assert not [l for l in outside if "<img" in l or "](" in l]
    assert "`dataset.py` failed to import" in out and HEADING in out  # shown, inside a code block
    assert re.search(r"submitted as caf\ufffd/lm\.py", out), out
    assert "`model.py`: given: the autograder's own copy is graded" in out  # an uploaded model.py is ignored
    assert "\\# All tests passed" in out  # the folder name, escaped, on one line


# ---------------------------------------------------------------------------------------------
# The guarded readers, directly, on cases too large or too slow to grade


def test_torch_loader_refuses_links_devices_fifos_and_oversized_files(tmp_path):
    good = tmp_path / "good.pt"
    good.write_bytes(torch_bytes({"w": torch.ones(3)}))
    assert torch.equal(result_files.load_torch_file(str(good), 1)["w"], torch.ones(3))
    os.symlink(good, tmp_path / "link.pt")
    os.symlink("/dev/zero", tmp_path / "zero.pt")
    os.mkfifo(tmp_path / "fifo.pt")
    big = tmp_path / "big.pt"
    with open(big, "wb") as f:
        f.truncate(21 << 20)  # sparse: costs no disk
    for name, reason in (("link.pt", "is a link"), ("zero.pt", "is a link"), ("fifo.pt", "not a regular file"),
                         ("big.pt", "21.0 MB; at most 20 MB")):
        with pytest.raises(AssertionError, match=reason):
            result_files.load_torch_file(str(tmp_path / name), 20)
    with pytest.raises(AssertionError, match="is a link"):
        result_files.read_text(str(tmp_path / "zero.pt"))


def test_torch_loader_refuses_huge_views_of_small_storages(tmp_path):
    base = torch.zeros(1 << 10)
    view = base.as_strided((1 << 16, 1 << 10), (0, 1))  # 256 MB as a tensor, 4 KB stored
    path = tmp_path / "views.pt"
    path.write_bytes(torch_bytes({"w": view}))
    with pytest.raises(AssertionError, match="tensors hold more than"):
        result_files.load_torch_file(str(path), 1)


def test_archive_budget_is_shared_and_counts_bytes_read(tmp_path):
    """All the archives of an upload share one budget (a bounded amount written in all), counted
    from the bytes actually decompressed."""
    budget = archives.Budget(total=3 << 20)
    for i in range(3):
        make_zip(tmp_path / f"a{i}.zip", [(f"f{i}", os.urandom(1 << 20) + bytes(300_000))], zipfile.ZIP_DEFLATED)
        try:
            archives.extract(str(tmp_path / f"a{i}.zip"), str(tmp_path / f"a{i}"), budget)
        except archives.Refused as e:
            assert i == 2 and "more than" in str(e)
            assert not (tmp_path / "a2").exists()  # nothing of an ignored archive is left
        else:
            assert i < 2
    assert budget.left < 1 << 20
