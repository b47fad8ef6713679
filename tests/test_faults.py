"""Faults are one line, nothing lost: a full disk, a read-only folder, odd names, signals, many failures.

Each case runs the real command line (a `python -m pipeline build` subprocess,
or click's CliRunner where no process of its own is needed) over an outputs
folder that already holds the committed 2022 year, and expects:

- the exit status documented in docs/failures.md;
- the exact line(s) printed, never a traceback;
- every earlier file byte for byte as it was (the sha256 of every file under
  the outputs folder before and after; the lock file and the build state are
  the build's own bookkeeping, not outputs, and may appear);
- no staging folder (`pipeline.publish.commit.STAGING`) left behind.

The full and read-only disk cases mount a real tmpfs, so they need root on
Linux and are skipped, saying so, without it; the permission case runs the
build as root without CAP_DAC_OVERRIDE (or as the user it is, when not root). The signal cases poll for the parsing child
process (or stop the build at an exact publish step, `stepped_build`) before
signalling: no sleeps decide anything.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tools.testkit.paths import FIXTURES, ROOT, SOURCE_2022
from pipeline.cli import SHOWN_PER_KIND, main
from pipeline.publish.commit import STAGING
from pipeline.run.build import NAMED
from tests.stepped_build import SteppedBuild

#: Files a build may add to an outputs folder without publishing anything: the lock and its own state.
BOOKKEEPING = {".lock", ".build-state.json"}
#: A valid 2023 guide (the reportlab layout fixture): building it publishes a second year beside 2022.
GUIDE_2023 = FIXTURES / "reportlab-borderless-2023.pdf"
#: A guide long enough to read (about 5 s here) that a signal surely lands while it is being parsed.
LONG_GUIDE = FIXTURES / "reportlab-borderless-300-codes-2026.pdf"
#: Generous: the machine may be shared. No assertion is about time.
TIMEOUT = 120


# ---------------------------------------------------------------- helpers

def hashes(outputs: Path) -> dict[str, str]:
    """The sha256 of every file under `outputs` but the build's bookkeeping."""
    return {p.relative_to(outputs).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(outputs.rglob("*")) if p.is_file() and p.relative_to(outputs).as_posix()
            not in BOOKKEEPING}


def assert_nothing_lost(outputs: Path, before: dict[str, str]) -> None:
    assert hashes(outputs) == before
    assert {p.name for p in outputs.iterdir()} - {"2022", "dataset"} <= BOOKKEEPING
    assert not (outputs / STAGING).exists()
    assert not list(outputs.glob(f"dataset/*/{STAGING}"))


def sources_with(folder: Path, *files: tuple[str, Path]) -> Path:
    for rel, source in files:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / rel)
    return folder


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def spawn(*args: str) -> subprocess.Popen:
    """A real `python -m pipeline ...`, in a session of its own (so a signal to its group reaches no test)."""
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, grandchildren ...), from /proc."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, up in parent.items() if up in frontier} - found
        found |= frontier
    return found


def depth_below(pid: int, child: int) -> int:
    depth = 0
    while child != pid and child > 1:
        child = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
        depth += 1
    return depth


def running(pid: int) -> bool:
    """`pid` exists and is not a zombie (a zombie runs nothing; reaping it is its new parent's business)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def poll(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
    return value


# ---------------------------------------------------------------- a real full disk, a read-only folder

@pytest.fixture
def tmpfs(tmp_path):
    """A real tmpfs (1 MiB to begin with), unmounted afterwards; skipped where it cannot be mounted."""
    if not sys.platform.startswith("linux"):
        pytest.skip("mounting a tmpfs needs Linux")
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (a chmod does not stop root, and a real mount is the point)")
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this system")
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(disk)], check=True)


def remount(disk: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(disk)], check=True, capture_output=True)


def shrink_to_leave(disk: Path, room: int) -> None:
    """Resize the tmpfs to what it holds now plus `room` bytes: the next writes run out of space."""
    stat = os.statvfs(disk)
    used = (stat.f_blocks - stat.f_bfree) * stat.f_frsize
    remount(disk, f"size={used + room}")
    stat = os.statvfs(disk)
    assert stat.f_bavail * stat.f_frsize == room


def test_a_full_disk_while_staging_is_one_line_and_publishes_nothing(tmpfs, tmp_path, published_copy):
    """The 2023 guide needs about 140 KB; the disk has 32 KB left: the staging runs out of space."""
    outputs = published_copy(tmpfs / "outputs")
    sources = sources_with(tmp_path / "sources", ("2023/guide.pdf", GUIDE_2023))
    shrink_to_leave(tmpfs, 32 * 1024)  # the lock file and a few staged files fit, not a year
    before = hashes(outputs)
    code, out, err = cli("build", "--sources", str(sources), "--outputs", str(outputs))
    assert code == 1
    assert out == ""
    # The file named is the one it was writing, by the path it would have been published at.
    assert re.fullmatch(rf"Error: cannot write {re.escape(str(outputs))}/(2023/\w+\.(csv|parquet|json)|"
                        r"dataset/\w+/guide_year=2023/part-0\.parquet): No space left on device; nothing was "
                        r"published; the earlier outputs are unchanged\n", err), err
    assert not (outputs / "2023").exists()
    assert_nothing_lost(outputs, before)


def test_a_disk_too_full_for_the_lock_file_is_one_line(tmpfs, tmp_path, published_copy):
    outputs = published_copy(tmpfs / "outputs")
    sources = sources_with(tmp_path / "sources", ("2023/guide.pdf", GUIDE_2023))
    shrink_to_leave(tmpfs, 0)
    before = hashes(outputs)
    code, out, err = cli("build", "--sources", str(sources), "--outputs", str(outputs))
    assert (code, out) == (1, "")
    assert err == (f"Error: cannot write {outputs}/.lock: No space left on device; the earlier outputs are "
                   "unchanged\n")
    assert_nothing_lost(outputs, before)


@pytest.mark.parametrize("command, earlier_lock", [
    ("build", False), ("build", True), ("warehouse", False), ("inspect", False)])
def test_a_read_only_outputs_folder_is_one_line_and_changes_nothing(tmpfs, tmp_path, command, earlier_lock,
                                                                   published_copy):
    """EROFS: the tmpfs remounted read-only, which stops root too (a chmod would not)."""
    outputs = published_copy(tmpfs / "outputs")
    if earlier_lock:  # as after an earlier build: opening it for writing fails, not only creating it
        (outputs / ".lock").write_text("pid 1 (build)\n")
    sources = sources_with(tmp_path / "sources", ("2022/" + SOURCE_2022.name, SOURCE_2022),
                           ("2023/guide.pdf", GUIDE_2023))
    before = hashes(outputs)
    remount(tmpfs, "ro")
    args = {"build": ["build", "--sources", str(sources)], "warehouse": ["warehouse"],
            "inspect": ["inspect", "2022", "--sources", str(sources)]}[command]
    code, out, err = cli(*args, "--outputs", str(outputs))
    assert (code, out) == (1, "")
    assert err == f"Error: cannot write {outputs}/.lock: Read-only file system; the earlier outputs are unchanged\n"
    assert_nothing_lost(outputs, before)


#: Runs `python -m pipeline ARGS` without the capabilities that let root write where permissions say no
#: (prctl PR_CAPBSET_DROP of CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, then exec): a chmod then stops it.
UNPRIVILEGED = """\
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for cap in (1, 2):
    if libc.prctl(24, cap, 0, 0, 0):
        sys.exit(f"cannot drop capability {cap}: {os.strerror(ctypes.get_errno())}")
os.execv(sys.executable, [sys.executable, "-m", "pipeline", *sys.argv[1:]])
"""


def without_write_override(*args: str) -> subprocess.Popen:
    prefix = [sys.executable, "-c", UNPRIVILEGED] if os.geteuid() == 0 else [sys.executable, "-m", "pipeline"]
    return subprocess.Popen([*prefix, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.parametrize("earlier_lock, where", [(False, ".lock"), (True, STAGING)],
                         ids=["no lock yet", "lock from an earlier build"])
def test_a_folder_without_write_permission_is_one_line_and_changes_nothing(tmp_path, earlier_lock, where,
                                                                           published_copy):
    """EACCES: the outputs folder chmod 555. As root, the build runs without CAP_DAC_OVERRIDE, so it applies."""
    if not sys.platform.startswith("linux"):
        pytest.skip("dropping capabilities (prctl) needs Linux")
    if os.geteuid() == 0:
        probe = subprocess.run([sys.executable, "-c", UNPRIVILEGED, "--version"], cwd=ROOT, capture_output=True,
                               text=True)
        if probe.returncode:
            pytest.skip(f"root here cannot give up CAP_DAC_OVERRIDE: {probe.stderr.strip()}")
    outputs = published_copy(tmp_path / "outputs")
    if earlier_lock:  # the lock file is writable, so the build parses, then cannot stage
        (outputs / ".lock").write_text("pid 1 (build)\n")
    sources = sources_with(tmp_path / "sources", ("2023/guide.pdf", GUIDE_2023))
    before = hashes(outputs)
    outputs.chmod(0o555)
    try:
        build = without_write_override("build", "--sources", str(sources), "--outputs", str(outputs))
        out, err = build.communicate(timeout=TIMEOUT)
    finally:
        outputs.chmod(0o755)
    assert (build.returncode, out) == (1, "")
    assert err == f"Error: cannot write {outputs / where}: Permission denied; " + (
        "nothing was published; the earlier outputs are unchanged\n" if earlier_lock else
        "the earlier outputs are unchanged\n")
    assert_nothing_lost(outputs, before)


# ---------------------------------------------------------------- odd file names

def test_odd_file_names_are_printed_escaped_and_never_forge_a_line(tmp_path, published_copy):
    """A newline in a name cannot start a forged FAILED line; a name that is not UTF-8 fails, shown as \\xNN."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "evil\nFAILED x.pdf").write_bytes(b"")
    with open(os.fsencode(sources) + b"/guide-\xff\x1b[2J.pdf", "wb") as fh:  # and a terminal escape
        fh.write(SOURCE_2022.read_bytes())
    outputs = published_copy(tmp_path / "outputs")
    before = hashes(outputs)
    build = spawn("build", "--sources", str(sources), "--outputs", str(outputs))
    out, err = build.communicate(timeout=TIMEOUT)
    assert build.returncode == 1
    assert out == b"0 built, 2 failed\n"
    assert err.decode("ascii").splitlines() == [  # ASCII: every odd byte is escaped
        f"FAILED {sources}/evil\\nFAILED x.pdf: the file is empty (0 bytes)",
        f"FAILED {sources}/guide-\\xff\\x1b[2J.pdf: its file name is not valid UTF-8, so the manifest cannot "
        "record it; rename the file"]
    assert not any(line.startswith(b"FAILED x.pdf") for line in (out + err).splitlines())
    assert_nothing_lost(outputs, before)


# ---------------------------------------------------------------- signals

@pytest.mark.parametrize("signum, to_group, code, line", [
    (signal.SIGTERM, False, 143, "terminated; outputs unchanged"),
    (signal.SIGINT, True, 130, "interrupted; outputs unchanged"),  # Ctrl-C reaches the whole process group
], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_while_parsing_stops_the_build_in_one_line(tmp_path, signum, to_group, code, line, published_copy):
    outputs = published_copy(tmp_path / "outputs")
    sources = sources_with(tmp_path / "sources", ("2026/guide.pdf", LONG_GUIDE))
    before = hashes(outputs)
    build = spawn("build", "--sources", str(sources), "--outputs", str(outputs))
    try:
        # The parsing child is the fork server's child: once it runs, the guide is being read.
        poll(lambda: any(depth_below(build.pid, p) >= 2 for p in descendants(build.pid)
                         if running(p)), "the parsing process to start")
        children = {p: depth_below(build.pid, p) for p in descendants(build.pid)}
        parsers = {p for p, depth in children.items() if depth >= 2}
        assert parsers and len(children) > len(parsers)  # the fork server, and the parser it forked
        assert build.poll() is None  # still parsing: the signal lands mid-build
        if to_group:
            os.killpg(build.pid, signum)
        else:
            build.send_signal(signum)
        out, err = build.communicate(timeout=TIMEOUT)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert (build.returncode, out, err.decode()) == (code, b"", line + "\n")
    assert not (outputs / "2026").exists()
    assert_nothing_lost(outputs, before)
    # No parser outlives the build: it is stopped before the build exits. The fork server ends once it
    # sees the build gone, which may take it a moment.
    assert not [p for p in parsers if running(p)]
    poll(lambda: not any(running(p) for p in children), "the fork server to end", timeout=30)


def test_sigterm_while_staging_removes_the_staging_and_publishes_nothing(tmp_path, published_copy):
    outputs = published_copy(tmp_path / "outputs")
    sources = sources_with(tmp_path / "sources", ("2023/guide.pdf", GUIDE_2023))
    before = hashes(outputs)
    stepped = SteppedBuild("--sources", str(sources), "--outputs", str(outputs))
    while (step := stepped.next_step()) is not None and not step.endswith("write 2023/payments.parquet"):
        stepped.go()
    assert step is not None
    assert list((outputs / STAGING).glob("*/new/2023/*"))  # half a year is staged now
    code, out, err = stepped.kill(signal.SIGTERM)
    assert (code, out, err) == (143, "", "terminated; outputs unchanged\n")
    assert not (outputs / "2023").exists()
    assert_nothing_lost(outputs, before)


# ---------------------------------------------------------------- many failures, a bounded output

def test_many_copies_of_one_bad_file_print_a_few_lines_and_a_count(tmp_path, published_copy):
    sources = tmp_path / "sources"
    sources.mkdir()
    copies = [sources / f"copy-{n:02d}.pdf" for n in range(12)]
    for path in copies:
        path.write_bytes(b"<!DOCTYPE html><html><body>Sign in</body></html>\n")
    outputs = published_copy(tmp_path / "outputs")
    before = hashes(outputs)
    code, out, err = cli("build", "--sources", str(sources), "--outputs", str(outputs))
    reason = "an HTML page, not a PDF (no %PDF- header in its first 1024 bytes; a web page saved as .pdf?)"
    assert (code, out) == (1, "0 built, 12 failed\n")
    assert err.splitlines() == [*(f"FAILED {p}: {reason}" for p in copies[:SHOWN_PER_KIND]),
                                f"... and {12 - SHOWN_PER_KIND} more FAILED the same way (NotAPdf); --debug "
                                "lists every one"]
    assert_nothing_lost(outputs, before)


def test_many_sources_claiming_one_year_name_a_few_each_and_print_a_few_lines(tmp_path, published_copy):
    """100 copies of the 2022 guide: parsed once, each claimant names NAMED others, 5 lines and a count."""
    n = 100
    sources = tmp_path / "sources"
    paths = [sources / f"copy-{i:03d}" / "guide.pdf" for i in range(n)]
    for path in paths:
        sources_with(sources, (path.relative_to(sources).as_posix(), SOURCE_2022))
    outputs = published_copy(tmp_path / "outputs")
    before = hashes(outputs)
    code, out, err = cli("build", "--sources", str(sources), "--outputs", str(outputs))
    assert (code, out) == (1, f"0 built, {n} failed\n")

    def claim(i: int) -> str:
        others = [p for p in paths if p != paths[i]]
        return (f"FAILED {paths[i]}: {n} sources claim the 2022 guide: this one and "
                f"{', '.join(map(str, others[:NAMED]))} and {n - 1 - NAMED} more; keep one")

    assert err.splitlines() == [*(claim(i) for i in range(SHOWN_PER_KIND)),
                                f"... and {n - SHOWN_PER_KIND} more FAILED the same way (YearConflict); "
                                "--debug lists every one"]
    assert len(err) < (SHOWN_PER_KIND + 1) * 400  # not n lines of n paths
    assert_nothing_lost(outputs, before)


def test_sigterm_while_a_year_commits_waits_for_it_and_says_so(tmp_path, published_copy):
    """Held back: the year being swapped in is finished, whole, and the line says it was published."""
    outputs = published_copy(tmp_path / "outputs")
    sources = sources_with(tmp_path / "sources", ("2023/guide.pdf", GUIDE_2023))
    before_2022 = {k: v for k, v in hashes(outputs).items() if "2023" not in k}
    stepped = SteppedBuild("--sources", str(sources), "--outputs", str(outputs))
    while (step := stepped.next_step()) is not None and not step.endswith("swap dataset/payments/guide_year=2023"):
        stepped.go()
    assert step is not None
    stepped.process.send_signal(signal.SIGTERM)
    stepped.go()  # the build holds the signal and goes on; finish() lets it take every step left
    code, out, err = stepped.finish()
    assert (code, out, err) == (143, "", "terminated after publishing 2023 whole; the outputs are complete\n")
    assert {k: v for k, v in hashes(outputs).items() if "2023" not in k} == before_2022
    assert cli("validate", "--outputs", str(outputs)) == (0, "2022: valid\n2023: valid\n", "")
    assert not (outputs / STAGING).exists()
