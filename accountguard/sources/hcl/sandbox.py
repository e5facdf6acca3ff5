"""Every file a `.tf` directory makes accountguard read goes through here.

The configuration comes from a pull request: a `file("../../.aws/credentials")`,
a `.tf` symlinked to `/dev/zero` or a module source pointing at the home
directory must not be read. Only regular files inside the tree being judged
(the directory, or the wider `--tree` the user names) and the variable files the
user names are opened; never a FIFO, device or anything under /proc, and never
more than the limits allow.
"""
from __future__ import annotations

import os
import re
import stat
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ... import limits
from ...model import InputError
from .expressions import Unseen

PSEUDO_FILESYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))


def _pseudo(real: Path) -> bool:
    return any(real == p or p in real.parents for p in PSEUDO_FILESYSTEMS)


class Refused(Exception):
    """A path the sandbox will not read; the message names the path as written, never content."""


class Sandbox:
    def __init__(self, tree: Path, named_files: Iterable[Path] = ()) -> None:
        self.tree = Path(os.path.realpath(tree))
        if _pseudo(self.tree):
            raise InputError(f"{tree}: not a directory of Terraform files (a pseudo-filesystem)")
        self.named_files = {Path(os.path.realpath(f)) for f in named_files}
        self.refused: list[str] = []  # what was not read, for the report's notes
        self.files = 0
        self.bytes = 0

    def contains(self, path: Path) -> bool:
        real = Path(os.path.realpath(path))
        return real == self.tree or self.tree in real.parents

    def directory(self, path: Path, shown: str) -> Path:
        """A module directory, symlinks resolved; Refused if it lies outside the tree."""
        real = Path(os.path.realpath(path))
        if not self.contains(real):
            raise Refused(f"{shown} is outside the directory being judged")
        if not real.is_dir():
            raise Refused(f"{shown} is not a directory")
        return real

    def _regular(self, path: Path, shown: str) -> Path:
        real = Path(os.path.realpath(path))
        if not self.contains(real) and real not in self.named_files:
            raise Refused(f"{shown} is outside the directory being judged")
        if _pseudo(real):
            raise Refused(f"{shown} is on a pseudo-filesystem")
        try:
            mode = os.stat(real).st_mode
        except OSError as exc:
            raise Refused(f"{shown}: {exc.strerror}") from None
        if not stat.S_ISREG(mode):
            raise Refused(f"{shown} is not a regular file")
        return real

    def is_file(self, path: Path, shown: str) -> bool:
        """fileexists(): False if nothing is there; Refused if what is there may not be looked at."""
        if not os.path.lexists(path) and self.contains(Path(os.path.dirname(os.path.realpath(path)))):
            return False
        self._regular(path, shown)
        return True

    def read_bytes(self, path: Path, shown: str) -> bytes:
        """The bytes of a regular file inside the tree; Refused or InputError (a limit) otherwise."""
        real = self._regular(path, shown)
        self.files += 1
        if self.files > limits.TF_TREE_MAX_FILES:
            raise limits.LimitExceeded(f"{shown}: more than {limits.TF_TREE_MAX_FILES} files read from the tree")
        try:  # O_NONBLOCK: a file swapped for a FIFO after the check must not block the open
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise Refused(f"{shown}: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise Refused(f"{shown} is not a regular file")
            data = handle.read(limits.TF_FILE_MAX_BYTES + 1)
        if len(data) > limits.TF_FILE_MAX_BYTES:
            raise limits.LimitExceeded(f"{shown}: larger than the limit of {limits.TF_FILE_MAX_BYTES // 1024} KiB "
                                       f"(a limit of accountguard's)")
        self.bytes += len(data)
        if self.bytes > limits.TF_TREE_MAX_BYTES:
            raise limits.LimitExceeded(f"{shown}: the files read exceed the limit of "
                                       f"{limits.TF_TREE_MAX_BYTES // 1024} KiB in all (a limit of accountguard's)")
        return data

    def read_text(self, path: Path, shown: str) -> str:
        try:
            return self.read_bytes(path, shown).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Refused(f"{shown} is not UTF-8 text") from None

    def fileset(self, base: Path, shown: str, pattern: str) -> list[str]:
        """fileset(): regular files under `base` matching `pattern`, relative to it, sorted."""
        real = self.directory(base, shown)
        matches = _glob(pattern)
        found: list[str] = []
        seen = 0
        for folder, subfolders, names in os.walk(real):
            for name in subfolders + names:
                seen += 1
                if seen > limits.TF_TREE_MAX_FILES:
                    raise limits.LimitExceeded(f"fileset({shown}): more than {limits.TF_TREE_MAX_FILES} entries")
                if os.path.islink(os.path.join(folder, name)):
                    raise Refused(f"fileset({shown}) meets a symbolic link, which is not followed")
            for name in names:
                relative = os.path.relpath(os.path.join(folder, name), real).replace(os.sep, "/")
                if matches(relative) and stat.S_ISREG(os.lstat(os.path.join(folder, name)).st_mode):
                    found.append(relative)
        return sorted(found)

    def refuse(self, why: str) -> str:
        """Remember what was not read, once; the note for the report."""
        if why not in self.refused:
            self.refused.append(why)
        return why


_ACTIVE: ContextVar[Sandbox | None] = ContextVar("accountguard_sandbox", default=None)


@contextmanager
def judging(sandbox: Sandbox) -> Iterator[Sandbox]:
    """Make `sandbox` the one the file functions read through while a directory is judged."""
    token = _ACTIVE.set(sandbox)
    try:
        yield sandbox
    finally:
        _ACTIVE.reset(token)


def _through(read: Callable[[Sandbox], Any]) -> Any:
    """What a file function returns: the value read, or unknown (with a note) if it may not be read."""
    sandbox = _ACTIVE.get()
    if sandbox is None:
        return Unseen("files are read only while a directory is judged")
    try:
        return read(sandbox)
    except Refused as exc:
        return Unseen(sandbox.refuse(f"{exc}; not read"))


def read_text(path: Path, written: str) -> Any:
    """file(): the text, or unknown."""
    return _through(lambda s: s.read_text(path, written))


def read_bytes(path: Path, written: str, encode: Callable[[bytes], str]) -> Any:
    """filebase64() and the like: `encode` of the bytes, or unknown."""
    return _through(lambda s: encode(s.read_bytes(path, written)))


def is_file(path: Path, written: str) -> Any:
    """fileexists(): a bool, or unknown."""
    return _through(lambda s: s.is_file(path, written))


def fileset(path: Path, written: str, pattern: str) -> Any:
    """fileset(): the sorted relative paths, or unknown."""
    return _through(lambda s: s.fileset(path, written, pattern))


def _glob(pattern: str):
    """Terraform's fileset pattern (doublestar): `*`, `?`, `[...]`, `{a,b}`, `**`."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise Refused("fileset: unterminated [ in the pattern")
            body = pattern[i + 1:end]
            negate = body[:1] in ("!", "^") and len(body) > 1
            out.append("[" + ("^" if negate else "") + (body[1:] if negate else body).replace("\\", "\\\\") + "]")
            i = end
        elif c == "{":
            end = pattern.find("}", i + 1)
            if end < 0:
                raise Refused("fileset: unterminated { in the pattern")
            out.append("(?:" + "|".join(re.escape(a) for a in pattern[i + 1:end].split(",")) + ")")
            i = end
        elif c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 1
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out)).fullmatch
