"""Bounded extraction of the zip files a student uploads (the grader runs as root).

Every archive is hostile: entries are read through zipfile's streams with a running byte count
(declared sizes are never trusted), all archives of one upload share one budget, a high
compression ratio stops the archive (a zip bomb), and only stored and deflated entries are read
(bzip2 and lzma decompress without an output bound). Links, special files, unsafe paths ('..',
absolute) and very deep entries are skipped; a name that clashes with one already written is
skipped. Anything else that goes wrong ignores the whole archive: its directory is removed and
`Refused` says why, in words that never quote the archive's contents.
"""
import os
import re
import shutil
import stat
import zipfile

MAX_TOTAL = 200 << 20  # bytes written by all the archives of one upload together
MAX_ENTRIES = 2000  # per archive
MAX_RATIO = 200  # uncompressed / compressed size, checked for entries over RATIO_FROM bytes
RATIO_FROM = 1 << 20
MAX_DEPTH = 12  # folders and file name of one entry
SKIP_PARTS = {"__MACOSX"}  # macOS resource forks: never graded
CHUNK = 1 << 16
READABLE = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}


class Refused(Exception):
    """The archive is ignored; the message says why (never student-controlled text)."""


class Budget:
    """Bytes that the archives of one upload may still write."""

    def __init__(self, total=MAX_TOTAL):
        self.total = self.left = total


def _parts(name):
    """The path components of an entry name, or None when it is absolute or climbs out with '..'."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return None if not parts or ".." in parts else parts


def _mkdirs(dest, parts):
    """dest/parts..., made one level at a time; OSError when a component exists and is not a directory."""
    path = dest
    for p in parts:
        path = os.path.join(path, p)
        try:
            os.mkdir(path)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                raise
    return path


def _kind(info):
    """'file', 'dir' or 'special' (a link, fifo or device, by its unix mode)."""
    mode = stat.S_IFMT(info.external_attr >> 16)
    if info.filename.endswith(("/", "\\")) or mode == stat.S_IFDIR:
        return "dir"
    return "file" if mode in (0, stat.S_IFREG) else "special"


def _copy_entry(zf, info, fd, budget, written):
    """Stream one entry into fd (closed here); returns the archive's bytes written so far."""
    n = 0
    with os.fdopen(fd, "wb") as out:
        if info.flag_bits & 0x1:
            raise Refused("it has an encrypted entry")
        if info.compress_type not in READABLE:
            raise Refused(f"it uses compression method {info.compress_type}; only deflate (the usual zip "
                          "compression) and stored entries are read")
        src = zf.open(info)
        with src:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    return written
                n += len(chunk)
                written += len(chunk)
                if written > budget.left:
                    raise Refused(f"the upload's archives hold more than {budget.total >> 20} MB of files")
                if n > RATIO_FROM and n > MAX_RATIO * max(info.compress_size, 1):
                    raise Refused(f"an entry is compressed more than {MAX_RATIO} times (a zip bomb?)")
                out.write(chunk)


def _extract(zip_path, dest, budget, max_entries):
    skipped, written = {}, 0

    def skip(why):
        skipped[why] = skipped.get(why, 0) + 1

    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise Refused(f"it has more than {max_entries} entries")
        for info in infos:
            parts, kind = _parts(info.filename), _kind(info)
            if parts is None:
                skip("unsafe paths")
            elif SKIP_PARTS & set(parts):
                continue
            elif len(parts) > MAX_DEPTH:
                skip(f"deeper than {MAX_DEPTH} levels")
            elif kind == "special":
                skip("links or special files")
            elif kind == "dir":
                try:
                    _mkdirs(dest, parts)
                except OSError:
                    skip("names that clash")
            else:
                try:
                    where = _mkdirs(dest, parts[:-1])
                    fd = os.open(os.path.join(where, parts[-1]),
                                 os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                except OSError:
                    skip("names that clash or cannot be written")
                    continue
                written = _copy_entry(zf, info, fd, budget, written)
    budget.left -= written
    return [f"{n} entr{'y' if n == 1 else 'ies'} skipped ({why})" for why, n in skipped.items()]


def _reason(exc):
    if isinstance(exc, Refused):
        return str(exc)
    if isinstance(exc, zipfile.BadZipFile):
        return "it is not a zip archive or it is corrupt"
    if isinstance(exc, NotImplementedError):
        return "it uses a compression method that cannot be read"
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return "it has an encrypted entry"
    return f"it could not be read ({type(exc).__name__})"


def extract(zip_path, dest, budget, max_entries=MAX_ENTRIES):
    """Extract the archive into the new directory `dest`; returns notes on skipped entries.
    (`max_entries`, `budget`: an upload's limits by default; `build.py grade-all` reads a whole
    class's export with larger ones.)

    Raises Refused (with `dest` removed) when the archive is ignored as a whole."""
    try:
        os.mkdir(dest)
    except OSError:
        raise Refused("its folder name is taken") from None
    try:
        return _extract(zip_path, dest, budget, max_entries)
    except Exception as e:  # encrypted, unsupported, corrupt, truncated, a bomb, ...: never a crash
        shutil.rmtree(dest, ignore_errors=True)
        raise Refused(_reason(e)) from None
