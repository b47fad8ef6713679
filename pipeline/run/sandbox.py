"""Sandbox: parse each source in a child process, under a time limit and a memory cap.

pdfminer (under pdfplumber) can loop on a broken cross-reference table, recurse
without end, or inflate a 2 KB stream to gigabytes. So `build` never parses a
PDF in its own process; it hands each source to `run_all`, which runs it in a
child process of its own:

* the child caps its own address space (RLIMIT_AS) so that its resident memory
  cannot pass the memory limit: an allocation past it raises `MemoryError`, and
  the source fails with `ParseLimitExceeded` instead of the system killing the
  whole build;
* the parent kills a child that makes no progress for longer than the time
  limit. The clock restarts at every page read, so a long healthy guide is never
  cut off while a hang on opening the file or on one page is;
* a child that dies without an answer (a crash in a C library, a kill from
  outside) is reported as `ParserCrashed`, not waited for.

Every exception is caught in the child and comes back as a `Failure`: a
`GuideError` as itself (pickled with its attributes, such as a validation
report's failures), anything else as an internal error with its traceback.

Children are forked from a fork server that has imported the pipeline once, so
starting one costs milliseconds, and up to `workers` run at once. Pages read are
reported back over the same pipe as the result, for the progress bar.

The result (a parsed guide: its frames are a thousand-page guide's some fifty
megabytes) is pickled with its large buffers, the frames' Arrow buffers, out of
band (pickle protocol 5): each is sent as it lies in the child's memory and
becomes the parent's buffer as it arrives. Pickled whole, the guide was held a
second time in each process, as the pickle, beside the guide itself.

`build` decides what runs (`parse_source`) and what a result means; this module
only runs it safely.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import resource
import signal
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.connection import wait
from multiprocessing.reduction import ForkingPickler

from pipeline.errors import GuideError, ParseLimitExceeded, ParserCrashed, exception_chain

MIB = 1 << 20
#: Imported by the fork server before `preload`: no collections while it imports, and no teardown at its end.
_SERVER = "pipeline.run._server"


@dataclass(frozen=True)
class Limits:
    """How far the parser of one source may go before that source fails."""

    #: Seconds without progress: for opening the file, for any one page, and for
    #: turning the pages into tables after the last one.
    time_limit: float = 30.0
    #: MiB of resident memory the parsing process may hold, the program itself included.
    memory_limit: int = 1024


@dataclass
class Failure:
    """Why a call failed: a `GuideError`, or `error=None` for a bug in the pipeline."""

    message: str
    error: GuideError | None = None
    traceback: str | None = None

    @property
    def kind(self) -> str:
        return type(self.error).__name__ if self.error is not None else "InternalError"


@dataclass
class Result:
    """What one call gave: its value or its failure, with its wall time and peak memory."""

    value: object = None
    failure: Failure | None = None
    seconds: float = 0.0
    peak_mb: float | None = None


# ---------------------------------------------------------------- the child

def _quiet() -> None:
    """Send the child's stdout and stderr to /dev/null.

    pdfminer logs warnings ("Data-loss while decompressing corrupted data") on
    broken files; the user gets one line per failure from the parent instead.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _status(pid: int | str = "self") -> dict[str, int]:
    """Memory figures of a process from /proc (VmSize, VmRSS, VmHWM), in bytes."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmSize", "VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def _cap_memory(limit_mib: int) -> None:
    """Limit the address space so that resident memory cannot grow past `limit_mib`.

    The address space is always at least the resident memory, so allowing it to
    grow by (limit - resident now) keeps the resident memory under the limit.
    Measured from the current size because the libraries already loaded
    reserve far more address space than they use.
    """
    try:
        now = _status()
    except OSError:  # no /proc (not Linux): no cap
        return
    headroom = limit_mib * MIB - now["VmRSS"]
    if headroom <= 0:
        raise ParseLimitExceeded(f"the memory limit of {limit_mib} MiB is below the "
                                 f"{now['VmRSS'] // MIB} MiB the program itself needs (--memory-limit)")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = now["VmSize"] + headroom
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _where(done: int, total: int | None) -> str:
    """Where parsing was, from the pages reported so far."""
    if not done:
        return "before finishing page 1"
    if done < total:
        return f"on page {done + 1} of {total}"
    return f"after its last page ({total}), turning the pages into tables"


def _failure(exc: BaseException, limits: Limits, progress: list[int]) -> Failure:
    tb = "".join(traceback.format_exception(exc))
    if any(isinstance(e, MemoryError) for e in exception_chain(exc)):
        error = ParseLimitExceeded(f"stopped {_where(*progress)}: it needed more than the memory limit of "
                                   f"{limits.memory_limit} MiB (--memory-limit); a decompression bomb, "
                                   "or a guide too large for the limit?")
        return Failure(str(error), error, tb)
    if isinstance(exc, GuideError):
        return Failure(str(exc), exc, tb)
    return Failure(f"internal error ({type(exc).__name__}: {exc}); this is a bug in the pipeline, "
                   "please report it with the output of --debug", None, tb)


def _child(conn, func, args: tuple, limits: Limits, debug: bool) -> None:
    """Run `func(*args, on_page=...)` and send back exactly one final message."""
    if not debug:
        _quiet()
    progress = [0, None]  # pages done, page count

    def on_page(done: int, total: int) -> None:
        progress[:] = [done, total]
        conn.send(("progress", done, total))

    try:
        _cap_memory(limits.memory_limit)
        message = ("ok", func(*args, on_page=on_page))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the parent reports it
        return
    except BaseException as exc:  # every exception, whatever raised it
        message = ("failed", _failure(exc, limits, progress))
    try:
        _send_result(conn, (*message, _peak_mb()))
    except Exception as exc:  # a value that does not pickle is a bug, not a bad PDF
        conn.send(("failed", _failure(exc, limits, progress), _peak_mb()))
    conn.close()


#: The first message of a result: how many buffers follow its pickle (`_send_result`).
_RESULT = "result"


def _send_result(conn, message: tuple) -> None:
    """Send `message` as a pickle whose large buffers follow it, each as it is (protocol 5, out of band):
    nothing is sent before the whole of it has pickled, so a value that does not pickle sends nothing."""
    buffers: list[pickle.PickleBuffer] = []
    data = io.BytesIO()
    ForkingPickler(data, 5, True, buffers.append).dump(message)
    conn.send((_RESULT, len(buffers)))
    conn.send_bytes(data.getbuffer())
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def _receive_result(conn, buffers: int) -> tuple:
    """The message `_send_result` sent, its buffers each the bytes received (EOFError: the child died)."""
    data = conn.recv_bytes()
    return pickle.loads(data, buffers=[conn.recv_bytes() for _ in range(buffers)])


# ---------------------------------------------------------------- the parent

@dataclass
class _Running:
    index: int
    process: multiprocessing.process.BaseProcess
    started: float
    last_progress: float
    done: int = 0
    total: int | None = None


def start_server(preload: tuple[str, ...] = ()):
    """Start the fork server, which imports `preload` once so that children start ready.

    The server first imports `pipeline.run._server`: no garbage collection
    while it imports, each child's inheritance frozen out of its collections,
    and no teardown of the imports when the build is over.

    Returns at once while the server imports, so the caller can do its own
    imports meanwhile. A fork server, not a plain fork of the parent: the
    parent may hold threads (pyarrow's pools, after publishing) that a fork
    would copy mid-lock. As with any multiprocessing start method but fork, a
    script that calls `build` must guard its entry point with
    `if __name__ == "__main__":`, since children import the main module.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([_SERVER, *preload])
    forkserver.ensure_running()
    return ctx


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


def _collect(conn, child: _Running, on_progress) -> Result | None:
    """Read what the child has sent; its `Result` once it has finished, else None."""
    while conn.poll():
        try:
            message = conn.recv()
        except EOFError:  # closed without a final message
            return _died(child)
        kind = message[0]
        if kind == _RESULT:
            try:
                message = _receive_result(conn, message[1])
            except EOFError:  # died part way through its answer
                return _died(child)
            kind = message[0]
        if kind == "progress":
            child.done, child.total = message[1], message[2]
            child.last_progress = time.monotonic()
            if on_progress:
                on_progress(child.index, child.done, child.total)
            continue
        seconds = time.monotonic() - child.started
        if kind == "ok":
            return Result(value=message[1], seconds=seconds, peak_mb=message[2])
        return Result(failure=message[1], seconds=seconds, peak_mb=message[2])
    return None


def _died(child: _Running) -> Result:
    """The result of a child that ended without an answer."""
    child.process.join(5)
    code = child.process.exitcode
    how = f"killed by {_signal_name(-code)}" if code is not None and code < 0 else f"exit status {code}"
    error = ParserCrashed(f"the parsing process died {_where(child.done, child.total)} ({how}); "
                          "a crash in the PDF library, or the system ran out of memory?")
    return Result(failure=Failure(str(error), error), seconds=time.monotonic() - child.started)


def _stop(child: _Running, limits: Limits) -> Result:
    """Kill a child past the time limit; its peak memory is read before it goes."""
    try:
        peak = _status(child.process.pid)["VmHWM"] / MIB
    except (OSError, KeyError):
        peak = None
    child.process.kill()
    child.process.join()
    error = ParseLimitExceeded(f"stopped {_where(child.done, child.total)}: no progress for "
                               f"{limits.time_limit:g} s (--time-limit); a loop in the file, "
                               "or a pathological page?")
    return Result(failure=Failure(str(error), error), seconds=time.monotonic() - child.started, peak_mb=peak)


def run_all(func, calls: list[tuple], *, workers: int, limits: Limits, preload: tuple[str, ...] = (),
            debug: bool = False, on_progress=None, on_start=None):
    """Run `func(*args, on_page=...)` for each `args` in `calls`, each in its own child process.

    Yields `(index, Result)` as each call finishes, at most `workers` at a time.
    `on_start(index)` and `on_progress(index, pages_done, page_count)` report
    progress. Closing the generator early (on a failure, with --fail-fast) kills
    the children still running.
    """
    ctx = start_server(preload)
    pending = deque(range(len(calls)))
    running: dict = {}  # parent end of the pipe -> _Running
    try:
        while pending or running:
            while pending and len(running) < workers:
                index = pending.popleft()
                parent_end, child_end = ctx.Pipe(duplex=False)
                process = ctx.Process(target=_child, args=(child_end, func, calls[index], limits, debug),
                                      name=f"parse-{index}", daemon=True)
                process.start()
                child_end.close()  # so the parent sees EOF if the child dies
                now = time.monotonic()
                running[parent_end] = _Running(index, process, now, now)
                if on_start:
                    on_start(index)
            deadline = min(c.last_progress for c in running.values()) + limits.time_limit
            wait([*running, *(c.process.sentinel for c in running.values())],
                 timeout=max(0.0, deadline - time.monotonic()))
            for conn, child in list(running.items()):
                result = _collect(conn, child, on_progress)
                if result is None and not child.process.is_alive():
                    # its last message may have come with its exit; if none came, it died
                    result = _collect(conn, child, on_progress) or _died(child)
                if result is None and time.monotonic() - child.last_progress > limits.time_limit:
                    result = _stop(child, limits)
                if result is not None:
                    del running[conn]
                    conn.close()
                    child.process.join()
                    yield child.index, result
    finally:
        for conn, child in running.items():
            child.process.kill()
            child.process.join()
            conn.close()
