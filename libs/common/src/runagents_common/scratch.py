"""Scratch folders for a service's jobs that a crash cannot leave behind.

A job's temporary folder is removed when the job ends, but not when its process is killed, and
folders in $TMPDIR then pile up. Here each process that uses a scratch root gets a folder of its
own under it, and holds an exclusive ``flock`` on a lock file beside that folder while it lives.
The kernel drops the lock when the process ends, however it ends (kill -9 included), so a folder
whose lock can be taken belongs to a process that is gone: :meth:`ScratchSpace.sweep` removes
those, and a service sweeps when it starts. Processes sharing one root (replicas on one data
directory, parallel tests) never remove each other's folders.
"""

import contextlib
import fcntl
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_SUFFIX = ".lock"
_PENDING_PREFIX = ".pending-"
_PENDING_GRACE_SECONDS = 60.0


class ScratchSpace:
    """Temporary folders under ``root``, swept of what crashed processes left."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._own: Path | None = None
        self._lock_fd: int | None = None

    @contextlib.contextmanager
    def folder(self, prefix: str) -> Iterator[Path]:
        """A new empty folder for one job, removed when the block ends (or at the next sweep)."""
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=self._own_folder()))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def sweep(self) -> list[Path]:
        """Remove the folders of processes that ended without removing them; return those removed."""
        if not self.root.is_dir():
            return []
        removed: list[Path] = []
        for entry in sorted(self.root.iterdir()):
            if entry.name.startswith(_PENDING_PREFIX):
                # a process died between creating its lock file and naming it (or is doing so now)
                if time.time() - _modified(entry) > _PENDING_GRACE_SECONDS:
                    _remove_if_unlocked(entry, entry)
            elif entry.name.endswith(LOCK_SUFFIX):
                owned = entry.with_name(entry.name.removesuffix(LOCK_SUFFIX))
                if owned != self._own and _remove_if_unlocked(entry, owned):
                    removed.append(owned)
            elif entry.is_dir() and not entry.with_name(entry.name + LOCK_SUFFIX).exists():
                # a folder without its lock file: a sweep was interrupted between the two removals
                _remove(entry)
                removed.append(entry)
        return removed

    def close(self) -> None:
        """Remove this process' folder (on shutdown; a crash leaves it to the next sweep)."""
        if self._own is None or self._lock_fd is None:
            return
        shutil.rmtree(self._own, ignore_errors=True)
        self._own.with_name(self._own.name + LOCK_SUFFIX).unlink(missing_ok=True)
        os.close(self._lock_fd)
        self._own, self._lock_fd = None, None

    def _own_folder(self) -> Path:
        if self._own is not None:
            return self._own
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{os.getpid()}-{secrets.token_hex(6)}"
        # The lock file is locked before it gets its name, so no sweep ever sees it unlocked.
        pending = self.root / (_PENDING_PREFIX + name)
        fd = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(pending, self.root / (name + LOCK_SUFFIX))
        own = self.root / name
        own.mkdir(mode=0o700)
        self._own, self._lock_fd = own, fd
        return own


def _remove_if_unlocked(lock: Path, owned: Path) -> bool:
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False  # removed by another sweep meanwhile
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its process is alive
        _remove(owned)
        lock.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
