"""Lock: one writer per outputs folder.

`build`, `warehouse` and `inspect` write into an outputs folder; two of them at
once (a cron job and a person) would interleave their commits. Each holds
`outputs/.lock` while it runs: an exclusive `flock(2)` on that file, which the
system releases when the holder exits however it exits (even SIGKILL), so a
lock is never left stale. The holder writes its pid and command into the file
for whoever waits.

A second writer waits, saying once which pid holds the folder, and gives up
after `wait` seconds with `OutputsLocked`. Readers (`validate`, `diff`) never
take the lock: they check the hashes in each manifest instead
(`pipeline.readers.check`), which tells a whole year from one being replaced.

Standard library only (`fcntl`), Linux and macOS; no dependency to pin.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import GuideError

LOCK_FILE = ".lock"
#: Seconds between tries while waiting; short, since a build's commit is quick to follow.
POLL = 0.05
#: `sysexits.h` EX_TEMPFAIL: the command line exits with it when the lock is not had in time.
EXIT_LOCKED = 75


class OutputsLocked(GuideError):
    """Another process held the outputs folder for longer than we were willing to wait."""


#: How long to wait for a holder that has just taken the lock to write its name into it.
NAMING = 1.0


def _written(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _alive(text: str) -> bool:
    try:
        os.kill(int(text.split()[1]), 0)
    except (IndexError, ValueError):
        return False
    except PermissionError:
        return True  # someone else's process, alive
    except OSError:
        return False
    return True


def holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it ("pid 1234 (build)"), or a plain phrase if unknown.

    A holder writes its name just after taking the lock, so for a moment the
    file may still name the previous holder, gone since; that is waited out.
    """
    deadline = time.monotonic() + NAMING
    text = _written(path)
    while not _alive(text) and time.monotonic() < deadline:
        time.sleep(0.01)
        text = _written(path)
    return text if _alive(text) else "another process"


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise


@contextmanager
def hold(outputs: Path, command: str, *, wait: float = 0.0, on_wait=None, display=str):
    """Hold `outputs/.lock` for the block; wait up to `wait` seconds for it.

    `on_wait(line)` is called once, with one line naming the holder, if the
    lock is taken. Raises `OutputsLocked` after `wait` seconds, and `OSError`
    when the folder cannot be written at all (the caller names it).
    """
    outputs = Path(outputs)
    outputs.mkdir(parents=True, exist_ok=True)
    path = outputs / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        if not _try_lock(fd):
            deadline = time.monotonic() + wait
            if on_wait:
                on_wait(f"waiting for {display(outputs)}: {holder(path)} is writing it "
                        f"(giving up after {wait:g} s, --wait)")
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise OutputsLocked(f"{display(outputs)} is still locked by {holder(path)} after "
                                        f"{wait:g} s (--wait); is another build running? try again later")
                time.sleep(POLL)
        name = f"pid {os.getpid()} ({command})\n".encode()
        try:
            os.pwrite(fd, name, 0)  # over the previous holder's name, then cut to length: never empty
            os.ftruncate(fd, len(name))
        except OSError as exc:  # a full disk: named by the file, as the failed open would be
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays, so waiters never lock a removed inode
