"""Files acrtui reads (plan files, saved plans) and writes (saved plans, reports, exports, logs); pure, no Azure.

Reading is bounded: only a regular file is opened (a FIFO, a device or a directory would block or never end), at
most ``limit`` bytes are read, and the text must be UTF-8 without control characters, each refusal located as
``file:line:col``. Writing is private: a file that describes the estate (its inventory, its findings) is created
0600, also when it replaces an existing one, and an output path that cannot be written is a usage error naming it,
checked before the first Azure request so a long audit never ends in a traceback.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from acrtui.errors import AcrtuiError, ExitCode, UsageError

MiB = 1024 * 1024
PLAN_LIMIT = 1 * MiB  # far above any real plan (a 1,000-registry estate exports to ~300 KB)
SAVED_PLAN_LIMIT = 8 * MiB  # a saved plan holds the plan file's content and every action

# What YAML 1.1 (and so PyYAML) refuses: C0 controls but tab, LF, CR; DEL; C1 controls but NEL; surrogates; and
# U+FEFF past the start (a byte-order mark in the middle of the text).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFDIR: "a directory", stat.S_IFSOCK: "a socket"}


class InputFileError(AcrtuiError):
    """The content of an input file is unusable; ``problems`` holds one located line each. Exit 1, as for any
    mistake in a plan file."""

    title = "Invalid plan file"
    exit_code = ExitCode.FINDINGS

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def size_text(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n:,} bytes"


def read_text(path: str | Path, *, limit: int = PLAN_LIMIT, what: str = "plan file", limits: str = "") -> str:
    """The text of a regular file of at most ``limit`` bytes, decoded as UTF-8 (a leading BOM is dropped).

    A FIFO, device or directory is a usage error (exit 2) and is never read: ``stat`` decides before the open,
    and the open is non-blocking in case the path was swapped in between (``fstat`` checks again). ``limits``
    replaces "a plan file may be at most ..." in the message when several kinds of file are accepted.
    """
    p = str(path)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise InputFileError([f"{p}:1: (file): cannot read: {exc.strerror or exc}"]) from None
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{p}: (file): is {_kind(st.st_mode)}, not a {what}; give the path of a regular file.",
                         title=f"Not a {what}")
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputFileError([f"{p}:1: (file): cannot read: {exc.strerror or exc}"]) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{p}: (file): is {_kind(st.st_mode)}, not a {what}; give the path of a regular file.",
                             title=f"Not a {what}")
        if st.st_size > limit:
            raise InputFileError([_too_big(p, st.st_size, limit, what, limits=limits)])
        chunks: list[bytes] = []
        got = 0
        while got <= limit:  # st_size can lie (/proc, a file still growing): never read past limit + 1
            chunk = os.read(fd, min(limit + 1 - got, 1 * MiB))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise InputFileError([f"{p}:1: (file): cannot read: {exc.strerror or exc}"]) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InputFileError([_too_big(p, len(data), limit, what, at_least=True, limits=limits)])
    return decode(data, p)


def _too_big(p: str, size: int, limit: int, what: str, at_least: bool = False, limits: str = "") -> str:
    size_is = f"more than {size_text(limit)}" if at_least else size_text(size)
    return (f"{p}:1: (file): the file is {size_is}; {limits or f'a {what} may be at most {size_text(limit)}'} "
            "(split it into several)")


def decode(data: bytes, source: str) -> str:
    """UTF-8 text, or an :class:`InputFileError` at the first line:column that is not UTF-8 or is a control
    character (NUL included): YAML forbids them, and a UTF-16 or Latin-1 file is saved in the wrong encoding."""
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if data.startswith(bom):
            raise InputFileError([f"{source}:1:1: (file): the file is {name} (byte-order mark); save it as UTF-8"])
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col_bytes(data, exc.start)
        hint = "it looks like UTF-16" if b"\x00" in data[:64] else "Latin-1 or another legacy encoding?"
        raise InputFileError([f"{source}:{line}:{col}: (file): byte 0x{data[exc.start]:02x} is not UTF-8 ({hint}); "
                              "save the file as UTF-8"]) from None
    bad = _CONTROL.search(text)
    if bad:
        i = bad.start()
        line = text.count("\n", 0, i) + 1
        col = i - (text.rfind("\n", 0, i) + 1) + 1
        ch = bad.group()
        what = "a NUL byte" if ch == "\x00" else f"control character U+{ord(ch):04X}"
        hint = " (the file looks like UTF-16; save it as UTF-8)" if ch == "\x00" and _utf16_like(data) else ""
        raise InputFileError([f"{source}:{line}:{col}: (file): {what} is not allowed in the file{hint}"])
    return text


def _utf16_like(data: bytes) -> bool:
    head = data[:200]
    return len(head) >= 4 and (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4)


def _line_col_bytes(data: bytes, pos: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, pos) + 1
    start = data.rfind(b"\n", 0, pos) + 1
    return line, len(data[start:pos].decode("utf-8", "replace")) + 1


# ------------------------------------------------------------------------------------------------ writing


def _unwritable(option: str, path: str, why: str) -> UsageError:
    return UsageError(f"{option} {path}: {why}. Give a path in an existing directory you can write to.",
                      title="Cannot write the output file")


def check_writable(path: str | None, option: str) -> None:
    """Refuse (exit 2, naming the option and the path) an output path that cannot be written; writes nothing.

    Run it before the first Azure request: the file is written only once the work is done. An explicit path must be
    in an existing directory (a typo is not silently created); the default journal makes its own directories.
    """
    if not path:
        return
    p = os.path.abspath(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise _unwritable(option, path, "the parent is not a directory") from None
    except OSError as exc:
        raise _unwritable(option, path, exc.strerror or str(exc)) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise _unwritable(option, path, "is a directory")
        if not os.access(p, os.W_OK):
            raise _unwritable(option, path, "the file is not writable")
        return
    parent = os.path.dirname(p)
    if not os.path.isdir(parent):
        why = "the parent directory does not exist" if not os.path.exists(parent) else "the parent is not a directory"
        raise _unwritable(option, path, why)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _unwritable(option, path, "the directory is not writable")


def prepare_append(path: str | None, option: str) -> None:
    """For a file others append to (``--log-file``): check it like :func:`check_writable` and create it 0600 when it
    does not exist yet, so the lines appended later (request URLs name the estate's resources) stay private."""
    check_writable(path, option)
    if not path:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), 0o600)
        os.close(fd)
    except OSError as exc:
        raise _unwritable(option, path, exc.strerror or str(exc)) from None


def write_private(path: str | Path, text: str | Iterable[str], option: str = "output") -> None:
    """Write ``text`` (or its pieces, as they come) to ``path`` readable by its owner only (0600), replacing the
    file atomically.

    A new file (not a chmod after the fact) is renamed over the old one, so the content is never visible with
    the old, wider mode and a crash leaves the old file or the new one, not half of it. A device or FIFO
    (``-o /dev/stdout``) is written in place.
    """
    p = str(path)
    try:
        st = os.stat(p)
    except OSError:
        st = None
    try:
        if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
            with open(p, "w", encoding="utf-8") as f:
                f.writelines([text] if isinstance(text, str) else text)
            return
        fd, tmp = tempfile.mkstemp(prefix=".acrtui-", dir=os.path.dirname(os.path.abspath(p)))  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.writelines([text] if isinstance(text, str) else text)
            os.replace(tmp, p)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise _unwritable(option, p, exc.strerror or str(exc)) from None

