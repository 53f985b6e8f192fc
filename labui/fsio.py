"""Files on disk: the one place that opens user files and writes them atomically.

Reads take regular files only, under size caps; content hashes (sha256) live here too.

Every reader of the taxonomy, attributions, documents, uploads and real data goes through
`read_bytes_capped`; every writer through `atomic_write_bytes`. A write leaves a temporary file named
`.NAME.labui-XXXXXXXX.tmp` beside the target only if the process is killed mid-write;
`clean_stray_temps` removes those on the next start.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from labui.errors import FileRefusedError

# Taxonomy files are small: the largest real qna.yaml is about 60 kB. A setting, not a law:
# LABUI_MAX_FILE_BYTES overrides it.
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
TEMP_MARK = ".labui-"
TEMP_SUFFIX = ".tmp"


def max_file_bytes() -> int:
    """The size cap for one user file, from LABUI_MAX_FILE_BYTES or the default."""
    value = os.environ.get("LABUI_MAX_FILE_BYTES", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_FILE_BYTES


# A write that fails for lack of room: a full disk, a quota, or a file size limit (ulimit -f).
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_ERRNO_IN_TEXT = re.compile(r"\[errno (\d+)\]", re.IGNORECASE)  # pyarrow puts the errno in its text


def write_fault(exc: OSError) -> str:
    """A failed write in words a person can act on; a full disk is named as such."""
    code = exc.errno
    if code is None and (found := _ERRNO_IN_TEXT.search(str(exc))):
        code = int(found.group(1))
    text = exc.strerror or str(exc)
    if code in _NO_ROOM:
        return f"{text}: the disk is full (or a quota or file size limit was reached); free some space and run it again"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{text}: the folder is read-only for labui"
    return text


def sha256_bytes(data: bytes) -> str:
    import hashlib  # here: loading OpenSSL costs a cached `labui validate` a tenth of its time

    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """sha256 of the UTF-8 bytes of `text`: the content key of caches and conflict checks."""
    return sha256_bytes(text.encode("utf-8"))


def _check_opened(fd: int, path: Path, cap: int) -> os.stat_result:
    """The stat of what `fd` opened; FileRefusedError unless it is a regular file of at most `cap` bytes."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise FileRefusedError(f"{path} is not a regular file; it was not read")
    if st.st_size > cap:
        raise FileRefusedError(f"{path} is {st.st_size:,} bytes, over the {cap:,}-byte cap for one file")
    return st


def read_bytes_capped(
    path: Path, *, root: Path | None = None, cap: int | None = None, walked: bool = False
) -> bytes:
    """The bytes of a regular file no larger than `cap`, never following a link out of `root`.

    `walked`: the caller found `path` by walking `root` without entering folder links (as
    `find_leaves` does), so only the file itself can be a link: an open with O_NOFOLLOW replaces
    resolving every folder of the path (a third of a cached `labui validate`), and only a file that
    is a link (ELOOP) is resolved and checked.

    Raises FileRefusedError for a link that leaves `root`, anything that is not a regular file (a
    FIFO would block, /dev/zero never ends), or a file over the cap; FileNotFoundError as usual.
    """
    cap = max_file_bytes() if cap is None else cap
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then tells what we opened.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    fd = -1
    if root is not None and walked and nofollow:
        try:  # the common case in one call: a regular file, not a link (a link fails with ELOOP)
            fd = os.open(path, flags | nofollow)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
    if fd < 0:
        if root is not None:
            real, real_root = path.resolve(), root.resolve()
            if real != real_root and real_root not in real.parents:
                raise FileRefusedError(f"{path} links outside the taxonomy; it was not read")
        fd = os.open(path, flags)
    try:
        st = _check_opened(fd, path, cap)
        # Ask for the size we saw, not the cap (a 2 MB buffer per small file costs more than the
        # read), plus one byte that tells whether it grew; then read on up to the cap.
        data, want = b"", st.st_size + 1
        while want > 0 and (chunk := os.read(fd, want)):
            data += chunk
            want -= len(chunk)
            if want == 0 and len(data) <= cap:  # it grew: read on, up to one byte over the cap
                want = cap + 1 - len(data)
    finally:
        os.close(fd)
    if len(data) > cap:  # grew while we read it
        raise FileRefusedError(f"{path} is over the {cap:,}-byte cap for one file")
    return data


@contextlib.contextmanager
def open_capped(path: Path, *, cap: int) -> Iterator[CappedReader]:
    """A regular file no larger than `cap`, opened for reading in a stream (big data files: read
    in pieces, never whole). Refuses what `read_bytes_capped` refuses; a file that grows past the
    cap while read raises FileRefusedError from the reader."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        _check_opened(fd, path, cap)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        yield CappedReader(f, cap, path)


class CappedReader:
    """A binary reader that stops with FileRefusedError once more than `cap` bytes were read."""

    def __init__(self, f: BinaryIO, cap: int, path: Path) -> None:
        self._f, self._left, self._path, self._cap = f, cap, path, cap

    def _count(self, data: bytes) -> bytes:
        self._left -= len(data)
        if self._left < 0:
            raise FileRefusedError(f"{self._path} grew over the {self._cap:,}-byte cap while it was read")
        return data

    def read(self, n: int = -1) -> bytes:
        return self._count(self._f.read(n))

    def readline(self, n: int = -1) -> bytes:
        return self._count(self._f.readline(n))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def readable(self) -> bool:
        return True


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Serialise labui writers of one folder (other tabs, a CLI) between their check and their rename."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data` atomically: a reader sees the old file or the new one, never half.

    `durable=False` skips the fsyncs: for a cache, where a file lost in a crash is only rebuilt.
    """
    tmp = path.with_name(f".{path.name}{TEMP_MARK}{os.urandom(4).hex()}{TEMP_SUFFIX}")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, path.stat().st_mode & 0o777)  # keep the file's permissions
        os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def is_stray_temp(name: str) -> bool:
    """A temporary file of `atomic_write_bytes` (left only by a process killed mid-write)."""
    return name.startswith(".") and TEMP_MARK in name and name.endswith(TEMP_SUFFIX)


def clean_stray_temps(folders: Iterator[Path] | list[Path]) -> list[Path]:
    """Remove the temporary files a killed write left in `folders`; returns what was removed."""
    removed = []
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.is_file(follow_symlinks=False) and is_stray_temp(entry.name):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    return removed
