"""Commit: how publish changes `outputs/` so that no reader ever sees a torn year.

A guide year is more than one folder: `outputs/<year>/` and its partition of
every table in the Hive dataset, `outputs/dataset/<table>/guide_year=<year>/`.
No single rename covers them, so one year is committed in steps, each an
atomic rename, in an order that leaves every moment either whole or
detectably torn:

1. **stage**: every file of the year is written under `outputs/.staging/<pid>/`
   (same filesystem, so renames are atomic), flushed and fsynced. A failure
   here (a full disk) changes nothing published;
2. **journal**: `outputs/.staging/<pid>/<year>.journal` is written, naming the
   year being committed;
3. **partitions**: each staged partition folder is swapped with the published
   one (Linux `renameat2(RENAME_EXCHANGE)`: the staging slot now holds the
   old partition, so the swap can be undone);
4. **the year folder**, holding `manifest.json`, is swapped in last: this
   rename is the commit point. The manifest lists the sha256 of every file of
   the year, partitions included, so between steps 3 and 4 a reader that checks
   the hashes (`pipeline.readers.check`) sees the year as torn, and never
   mistakes old files for new ones;
5. the journal and the old files are removed.

A process killed with SIGKILL between 2 and 5 leaves its journal behind: the
next build sees `outputs/.staging/` and rebuilds (`pipeline.run.buildstate`),
which repairs the year. An error in steps 3-4 (a folder that turned read-only)
undoes the swaps already made, in reverse. SIGTERM and Ctrl-C are held back
while a year commits (`pipeline.run.interrupt`), so they only stop a build
between whole years.

`step(name)` marks each point above for the tests that stop a build there
(`PIPELINE_STEP_FDS`, see `step`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.paths import STAGING

JOURNAL_SUFFIX = ".journal"

#: Test seam: "R,W", two inherited file descriptors. At each step the process
#: writes the step's name and a newline to W, then blocks until one byte can
#: be read from R. Tests use it to stop a real build at an exact point (and
#: kill it there); unset, `step` does nothing.
STEP_FDS = "PIPELINE_STEP_FDS"
_step_count = 0


def step(name: str) -> None:
    """A point in publishing where a kill must leave the outputs whole or detectably torn."""
    global _step_count
    fds = os.environ.get(STEP_FDS)
    if not fds:
        return
    _step_count += 1
    read_fd, write_fd = (int(x) for x in fds.split(","))
    os.write(write_fd, f"{_step_count} {name}\n".encode("utf-8", "backslashreplace"))
    if not os.read(read_fd, 1):
        os.environ.pop(STEP_FDS)  # the test went away: carry on without it


# ---------------------------------------------------------------- primitives

def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, data) -> None:
    """Write `data` (bytes, or a file made a chunk at a time: `pipeline.publish.ChunkedFile`) to a new file at
    `path` and flush it to disk."""
    with open(path, "wb") as fh:
        for chunk in data.chunks() if hasattr(data, "chunks") else (data,):
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())


def replace_file(path: Path, data: bytes) -> Path:
    """Replace the file at `path` with `data` atomically: a reader finds the old file or the new, whole.

    Written to a temporary file beside it, flushed, then renamed over it; on failure the
    temporary file is removed and `path` is as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        write_file(tmp, data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return path


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: no exchange on this system or filesystem
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def replace_folder(new: Path, final: Path, old: Path) -> None:
    """Put folder `new` at `final`; a previous `final` ends up at `old` (which must not exist).

    One atomic exchange where the system has it, so `final` is never missing;
    elsewhere two renames, with the shortest gap they allow.
    """
    if not final.exists():
        os.rename(new, final)
    elif exchange(new, final):
        os.rename(new, old)  # `new` holds the previous folder now
    else:
        os.rename(final, old)
        os.rename(new, final)


def undo_replace(new: Path, final: Path, old: Path) -> None:
    """Reverse `replace_folder(new, final, old)`: `final` back to what it was, the new folder back at `new`."""
    os.rename(final, new)
    if old.exists():
        os.rename(old, final)


# ---------------------------------------------------------------- staging

def staging_root(outputs: Path) -> Path:
    return Path(outputs) / STAGING


def clear_staging(outputs: Path) -> None:
    """Remove what an interrupted build left half-written, and the staging folders of older versions."""
    outputs = Path(outputs)
    shutil.rmtree(staging_root(outputs), ignore_errors=True)
    for legacy in (outputs / "dataset").glob(f"*/{STAGING}"):  # each table staged its own before
        shutil.rmtree(legacy, ignore_errors=True)


def pending_journals(outputs: Path) -> list[Path]:
    """Journals of year commits that did not finish (a build was killed while committing)."""
    root = staging_root(outputs)
    if not root.is_dir():
        return []
    return sorted(root.glob(f"*/*{JOURNAL_SUFFIX}"))


def journal_year(journal: Path) -> int | None:
    stem = journal.name[: -len(JOURNAL_SUFFIX)]
    return int(stem) if stem.isdigit() else None


@dataclass
class Stage:
    """One build's staging folder: `outputs/.staging/<pid>/`, holding whole years until they commit."""

    outputs: Path
    root: Path = field(init=False)

    def __post_init__(self):
        self.outputs = Path(self.outputs)
        self.root = staging_root(self.outputs) / str(os.getpid())

    def open(self) -> "Stage":
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        return self

    def write(self, files: dict[str, bytes]) -> None:
        """Write `files` (paths relative to `outputs/`) into the stage, each flushed to disk."""
        folders = set()
        for rel, data in files.items():
            path = self.root / "new" / rel
            step(f"write {rel}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
                write_file(path, data)
            except OSError as exc:  # named by the file it was to become: the staging path is removed
                raise OSError(exc.errno, exc.strerror, str(self.outputs / rel)) from exc
        for folder in sorted(folders):
            fsync_dir(folder)

    def commit(self, folders: list[str], year: int) -> None:
        """Swap the staged `folders` (relative to `outputs/`, the commit point last) into place.

        On an error the swaps already made are undone, in reverse order, and
        the error is raised: the year stays wholly as it was.
        """
        journal = self.root / f"{year}{JOURNAL_SUFFIX}"
        step(f"journal {year}")
        write_file(journal, ("\n".join(folders) + "\n").encode("utf-8"))
        fsync_dir(self.root)
        done: list[tuple[Path, Path, Path]] = []
        try:
            for rel in folders:
                new, final, old = self.root / "new" / rel, self.outputs / rel, self.root / "old" / rel
                final.parent.mkdir(parents=True, exist_ok=True)
                old.parent.mkdir(parents=True, exist_ok=True)
                step(f"swap {rel}")
                replace_folder(new, final, old)
                done.append((new, final, old))
                fsync_dir(final.parent)
        except BaseException:
            for new, final, old in reversed(done):
                undo_replace(new, final, old)
            raise
        step(f"committed {year}")
        journal.unlink()
        for _, _, old in done:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Remove this build's staging, whatever it holds: nothing staged was published."""
        shutil.rmtree(self.root, ignore_errors=True)
        try:
            self.root.parent.rmdir()
        except OSError:
            pass

    close = discard


def write_folder(files: dict[str, bytes], final: Path) -> Path:
    """Write `files` into folder `final` atomically, replacing any previous folder whole.

    For a single folder outside the per-year commit: a diff, the inspect
    report's pictures. Staged in `<parent>/.staging/`.
    """
    final = Path(final)
    root = final.parent / STAGING
    root.mkdir(parents=True, exist_ok=True)
    stage, old = root / f"{final.name}.{os.getpid()}", root / f"{final.name}.{os.getpid()}.old"
    try:
        for path in (stage, old):
            shutil.rmtree(path, ignore_errors=True)
        stage.mkdir()
        for name, data in files.items():
            write_file(stage / name, data)
        fsync_dir(stage)
        replace_folder(stage, final, old)
        fsync_dir(final.parent)
    finally:
        for path in (stage, old):
            shutil.rmtree(path, ignore_errors=True)
        try:
            root.rmdir()
        except OSError:
            pass  # another writer's staging is in use
    return final
