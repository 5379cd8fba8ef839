"""Read submitted result files (predictions, torch.save files) in the trusted grader, safely.

Everything a student uploads is hostile and the grader runs as root, so a result file is:
- opened with O_NOFOLLOW and O_NONBLOCK (a link, a fifo or a device is refused, never read or waited on);
- refused unread when it is larger than the cap (the size of the open file, not of a path);
- for torch files: read into memory once (at most the cap), required to be torch's zip format with
  every entry stored uncompressed (torch.save never compresses, so a 3 MB file cannot expand to GBs),
  rewritten into a fresh zip by Python's zipfile (torch then reads exactly the bytes checked here),
  loaded with `weights_only=True` on the CPU, and the tensors' total size checked (a small storage
  viewed as a huge tensor would be materialised later).

Every refusal is an `AssertionError` (a `ResultFileError`) whose message names the file and what to do.
"""
import io
import os
import stat
import zipfile

MAX_TEXT_BYTES = 1 << 20  # predictions files: larger ones are refused unread
MAX_TORCH_ENTRIES = 10_000
MAX_OBJECTS = 100_000  # containers and tensors in a loaded torch file
MAX_NESTING = 32


class ResultFileError(AssertionError):
    """A submitted result file was refused; `reason` says why (without the file name)."""

    def __init__(self, name, reason, what="is refused"):
        super().__init__(f"{name} {what}: {reason}")
        self.reason = reason


def read_bytes(path, max_bytes, name=None):
    """The bytes of the regular file `path` (never a link, fifo or device), refused above `max_bytes`."""
    name = name or os.path.basename(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        reason = "it is a link" if os.path.islink(path) else f"it cannot be opened ({e.strerror})"
        raise ResultFileError(name, reason) from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ResultFileError(name, "it is not a regular file")
        if st.st_size > max_bytes:
            raise ResultFileError(name, f"it is {st.st_size / 2**20:.1f} MB; at most {max_bytes / 2**20:g} MB "
                                        "is accepted")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while being read
        raise ResultFileError(name, f"it is larger than {max_bytes / 2**20:g} MB")
    return data


def read_text(path, max_bytes=MAX_TEXT_BYTES, name=None):
    """The text of a submitted text file (UTF-8, undecodable bytes replaced), refused above `max_bytes`."""
    return read_bytes(path, max_bytes, name or os.path.basename(path)).decode("utf-8", "replace")


def _stored_copy(data, cap, name):
    """`data` (a zip) rewritten by zipfile with the same entries, after checking that every entry is
    stored uncompressed and that they add up to at most `cap` bytes."""
    def refuse(reason):
        return ResultFileError(name, reason, "is not a file written by torch.save")

    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:2] == b"\x80\x02":
            raise refuse("it is in torch's old (non-zip) format; save it with torch.save's default format")
        raise refuse("it is not a zip archive")
    out = io.BytesIO()
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
            infos = zin.infolist()
            if len(infos) > MAX_TORCH_ENTRIES:
                raise refuse(f"it has {len(infos)} entries")
            for info in infos:
                if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
                    raise refuse(f"its entry {info.filename[:80]!r} is compressed or encrypted "
                                 "(torch.save never compresses)")
                total += info.file_size
                if info.file_size != info.compress_size or total > cap:
                    raise refuse(f"its entries add up to more than {cap / 2**20:g} MB")
                with zin.open(info) as src:
                    content = src.read(info.file_size + 1)
                if len(content) != info.file_size:
                    raise refuse(f"its entry {info.filename[:80]!r} is corrupt")
                zout.writestr(info.filename, content)
    except ResultFileError:
        raise
    except Exception as e:  # corrupt CRC, bad headers, duplicate names ...
        raise refuse(f"it is a corrupt zip archive ({type(e).__name__})") from None
    return out.getvalue()


def _check_sizes(obj, cap, name):
    """Every tensor fits in its storage and all tensors together hold at most `cap` bytes; containers
    are a tree (no shared or deeply nested ones, which would blow up when copied)."""
    import torch

    seen, total, count = set(), 0, 0
    stack = [(obj, 0)]
    while stack:
        x, depth = stack.pop()
        count += 1
        if count > MAX_OBJECTS or depth > MAX_NESTING:
            raise ResultFileError(name, "it holds too many or too deeply nested objects")
        if isinstance(x, torch.Tensor):
            nbytes = x.numel() * x.element_size()
            total += nbytes
            if nbytes > x.untyped_storage().nbytes() or total > cap:
                raise ResultFileError(name, f"its tensors hold more than {cap / 2**20:g} MB")
        elif isinstance(x, (dict, list, tuple)):
            if id(x) in seen:
                raise ResultFileError(name, "it holds a container more than once")
            seen.add(id(x))
            items = list(x.keys()) + list(x.values()) if isinstance(x, dict) else list(x)
            stack.extend((v, depth + 1) for v in items)


def load_torch_file(path, max_mb, name=None):
    """The object in a submitted torch.save file, loaded with weights_only=True on the CPU.

    ResultFileError (an AssertionError) when the file is a link or not a regular file, larger than
    `max_mb`, not torch's uncompressed zip format, or holds anything but tensors and plain data."""
    import torch

    name = name or os.path.basename(path)
    cap = int(max_mb * 2**20)
    data = _stored_copy(read_bytes(path, cap, name), cap, name)
    try:
        obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as e:  # holds code or other objects, or a malformed pickle
        raise ResultFileError(name, type(e).__name__, "could not be read as written by torch.save") from None
    _check_sizes(obj, 2 * cap, name)
    return obj
