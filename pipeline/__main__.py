"""`python -m pipeline ...` runs the command line, and ends the process as soon as the command is done.

A build leaves the process holding pandas, pyarrow, pdfplumber and every frame
it made; freeing them one object at a time on the way out is work no one waits
for but the caller. So once the command has returned (or failed), the exit
handlers run (logging flushed, temporary folders and multiprocessing's helpers
cleaned up), the standard streams are flushed, and the process ends with the
command's exit status without tearing the interpreter down.
"""

import atexit
import os
import sys

from pipeline.cli import main


def _exit_now(code) -> None:
    """End the process with SystemExit's `code`, as Python would, but without the interpreter's teardown."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    os._exit(status & 0xFF)


try:
    main()
except SystemExit as done:
    _exit_now(done.code)
_exit_now(0)
