"""The submissions of a class, from Gradescope's "Export Submissions" or from a plain folder.

Gradescope's export is a zip (or its extracted folder) with one top folder holding
`submission_metadata.yml` and a folder `submission_<id>/` per submission. The metadata is YAML
written by Ruby, keyed by the submission folder's name, with symbol-style keys:

    submission_123456:
      :submitters:
      - :name: Ada Lovelace
        :sid: '1001'
        :email: ada@example.edu
      :created_at: 2026-03-01 12:00:00.000000000 -08:00
      :score: 12.0

A plain folder holds one submission per subfolder, .zip or .py, named by its file name.

Everything here is student data: the zip is extracted with the harness's bounded extraction
(autograder/harness/archives.py: no '..' or absolute paths, no links, byte and entry limits),
links in a folder are never followed, and the YAML is read with a safe loader (unknown Ruby tags
become plain values; nothing is constructed from them). Names from the metadata never make paths.
"""
import os
import stat
import sys
import zipfile
from dataclasses import dataclass

import yaml

from . import pipeline

METADATA = "submission_metadata.yml"
MAX_METADATA = 64 << 20  # bytes
EXPORT_MAX_BYTES = 16 << 30  # all the files of one export
EXPORT_MAX_ENTRIES = 500_000
SUFFIXES = (".zip", ".py")  # single-file submissions of a plain folder


class ExportError(Exception):
    """The input cannot be read as a class's submissions; the message says why."""


@dataclass(frozen=True)
class Submitter:
    name: str = ""
    sid: str = ""
    email: str = ""


@dataclass(frozen=True)
class Submission:
    id: str  # the folder or file name, unique in the input; results go to <out>/<id>/
    path: str  # what grading.grade() receives: a folder, a .zip or a .py
    submitters: tuple = ()  # Submitter, ...
    created_at: str = ""


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads Ruby's tags (e.g. `!ruby/object:BigDecimal`) as the plain value they tag."""


def _plain(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("!", _plain)


def _field(record, key):
    """record[':key'] or record['key'] (Ruby symbols or plain keys); None when absent."""
    if not isinstance(record, dict):
        return None
    return record.get(":" + key, record.get(key))


def _text(value):
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def read_metadata(path):
    """{submission folder name: (submitters tuple, created_at)} from submission_metadata.yml;
    missing or mistyped fields are left empty."""
    if os.path.getsize(path) > MAX_METADATA:
        raise ExportError(f"{METADATA} is over {MAX_METADATA >> 20} MB")
    with open(path, "rb") as f:
        try:
            data = yaml.load(f, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)
        except yaml.YAMLError as e:
            raise ExportError(f"{METADATA} is not valid YAML ({type(e).__name__})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ExportError(f"{METADATA} is not a mapping of submission folders")
    out = {}
    for folder, record in data.items():
        people = _field(record, "submitters")
        people = people if isinstance(people, list) else []
        submitters = tuple(Submitter(*(_text(_field(p, k)) for k in ("name", "sid", "email")))
                           for p in people if isinstance(p, dict))
        out[str(folder)] = (submitters, _text(_field(record, "created_at")))
    return out


def _harness_archives():
    harness = os.path.join(pipeline.AUTOGRADER, "harness")
    if harness not in sys.path:
        sys.path.insert(0, harness)
    import archives
    return archives


def _extract(zip_path, workdir):
    """The export zip extracted (bounded, links and unsafe entries skipped) into workdir; returns
    (folder, notes on skipped entries)."""
    archives = _harness_archives()
    os.makedirs(workdir, exist_ok=True)
    dest = os.path.join(workdir, "export")
    try:
        notes = archives.extract(zip_path, dest, archives.Budget(EXPORT_MAX_BYTES), EXPORT_MAX_ENTRIES)
    except archives.Refused as e:
        raise ExportError(f"{os.path.basename(zip_path)} cannot be read: {e}") from None
    return dest, [f"{os.path.basename(zip_path)}: {n}" for n in notes]


def _kind(path):
    """'dir', 'file', 'other' (a link, fifo, ...) or 'missing'; links are not followed."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def _export_root(folder):
    """The folder holding submission_metadata.yml: `folder` itself or its one subfolder; else None."""
    if os.path.isfile(os.path.join(folder, METADATA)):
        return folder
    subs = _entries(folder)
    if len(subs) == 1 and subs[0][2] == "dir" and _kind(os.path.join(subs[0][1], METADATA)) == "file":
        return subs[0][1]
    return None


def _entries(folder):
    """(name, path, kind) of the folder's visible entries, sorted by name; links are never followed."""
    return [(name, os.path.join(folder, name), _kind(os.path.join(folder, name)))
            for name in sorted(os.listdir(folder)) if not name.startswith(".") and name != "__MACOSX"]


def _from_export(root, notes):
    metadata = read_metadata(os.path.join(root, METADATA))
    subs = []
    for name, path, kind in _entries(root):
        if name == METADATA:
            continue
        if kind != "dir":
            why = "links are never followed" if kind == "other" else "not a submission folder"
            notes.append(f"{name}: skipped ({why})")
            continue
        submitters, created = metadata.get(name, ((), ""))
        if name not in metadata:
            notes.append(f"{name}: not in {METADATA} (graded without submitters)")
        subs.append(Submission(name, path, submitters, created))
    missing = sorted(set(metadata) - {s.id for s in subs})
    if missing:
        notes.append(f"{len(missing)} submission(s) in {METADATA} have no folder (not graded): "
                     + ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else ""))
    return subs


def _from_plain_folder(folder, notes):
    subs = []
    for name, path, kind in _entries(folder):
        if kind == "dir" or (kind == "file" and name.endswith(SUFFIXES)):
            subs.append(Submission(name, path))
        else:
            why = "links are never followed" if kind == "other" else "not a folder, .zip or .py"
            notes.append(f"{name}: skipped ({why})")
    return subs


def read(input_path, workdir):
    """([Submission] sorted by id, [notes]) of INPUT: an export zip or folder, or a plain folder of
    submissions. A zip is extracted under `workdir`, which must outlive the grading."""
    notes = []
    if not os.path.exists(input_path):
        raise ExportError(f"no such file or folder: {input_path}")
    if os.path.isfile(input_path) and zipfile.is_zipfile(input_path):  # the instructor's path: links followed
        folder, notes = _extract(input_path, workdir)
    elif os.path.isdir(input_path):
        folder = input_path
    else:
        raise ExportError(f"{input_path} is neither a folder nor a zip (Gradescope's Export Submissions)")
    root = _export_root(folder)
    subs = _from_export(root, notes) if root else _from_plain_folder(folder, notes)
    if not subs:
        raise ExportError(f"{input_path} holds no submissions")
    return sorted(subs, key=lambda s: s.id), notes


def shard(submissions, spec):
    """The K-th of N slices ("K/N", 1 <= K <= N) of the sorted submissions: every N-th one from the
    K-th, so each slice gets a share of the class whatever the ids look like."""
    try:
        k, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise ExportError(f"--shard {spec}: expected K/N, e.g. 2/8") from None
    if not 1 <= k <= n:
        raise ExportError(f"--shard {spec}: K must be between 1 and N")
    return list(submissions)[k - 1::n]
