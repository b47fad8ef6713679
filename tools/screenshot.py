"""Screenshot an HTML file, or ask a page where its elements were laid out, with headless Chromium, offline:
for the report tests and the docs picture.

    python -m tools.screenshot outputs/2022/report.html docs/report-screenshot.png

Chromium (Debian's `chromium` package) is started with networking features off
and a throwaway profile, so the shot shows only what the file itself holds.
`Browser` keeps one Chromium open and talks to it over the DevTools pipe
(`--remote-debugging-pipe`: no port, no network), so a test can lay out many
pages in one browser and read what a script finds in each.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def screenshot(html: Path, png: Path, *, width: int = 1400, height: int = 1000, scale: float = 1,
               chromium: Path = CHROMIUM, timeout: float = 60) -> Path:
    """Render `html` in a `width` x `height` CSS-pixel window at `scale` device pixels per CSS pixel."""
    png = Path(png).resolve()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run(
            [str(chromium), *_flags(profile, width, height, scale), "--hide-scrollbars", f"--screenshot={png}",
             Path(html).resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return png


def _flags(profile: str, width: int, height: int, scale: float) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
            f"--user-data-dir={profile}", f"--force-device-scale-factor={scale:g}", f"--window-size={width},{height}"]


def _above(fd: int, least: int) -> int:
    """`fd` moved to a descriptor number above `least` (the old one closed)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, least + 1)
    os.close(fd)
    return moved


class BrowserError(RuntimeError):
    """Chromium did not answer as the DevTools protocol says, or not in time."""


class Browser:
    """One headless Chromium over the DevTools pipe, with one page `width` x `height` CSS px wide.

        with Browser(width=1280) as browser:
            found = browser.evaluate(Path("report.html"), "document.title")

    `evaluate` loads a file, waits (polling, up to `timeout` seconds) until the
    document, its images and its fonts are loaded, then returns what `script`
    evaluates to (a JSON value). Nothing is timed: every wait has the same
    generous deadline, and a browser that misses it raises `BrowserError`.
    """

    def __init__(self, *, width: int = 1280, height: int = 900, chromium: Path = CHROMIUM, timeout: float = 120):
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        self._log = tempfile.TemporaryFile()  # what Chromium says on stderr, for the message when it fails
        to_chromium, self._to = os.pipe()  # Chromium reads commands on its fd 3 ...
        self._from, from_chromium = os.pipe()  # ... and writes answers and events on its fd 4
        # bash below puts them on 3 and 4; first they go above 9, so neither is already 3 or 4
        to_chromium, from_chromium = (_above(fd, 9) for fd in (to_chromium, from_chromium))
        self._proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{to_chromium} 4>&{from_chromium}', "chromium", str(chromium),
             *_flags(self._profile.name, width, height, 1), "--remote-debugging-pipe", "about:blank"],
            pass_fds=(to_chromium, from_chromium), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self._log)
        os.close(to_chromium)
        os.close(from_chromium)
        self._buffer = b""
        self._next = 0
        try:
            pages = [t for t in self._call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
            target = pages[0]["targetId"] if pages else self._call("Target.createTarget", url="about:blank")["targetId"]
            self._session = self._call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self._call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                       mobile=False, session=True)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Ask Chromium to quit, wait for it, and end it if it does not."""
        if self._proc.poll() is None:
            try:
                self._send("Browser.close")
                self._proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        for fd in (self._to, self._from):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        self._profile.cleanup()

    def evaluate(self, html: Path, script: str):
        """Load `html`, wait until it is laid out, and return the JSON value of `script` in it."""
        url = Path(html).resolve().as_uri()
        went = self._call("Page.navigate", url=url, session=True)
        if went.get("errorText"):
            raise BrowserError(f"{html}: {went['errorText']}")
        ready = ("document.readyState === 'complete' && document.URL === " + json.dumps(url)
                 + " && [...document.images].every(i => i.complete)")
        deadline = time.monotonic() + self.timeout
        while not self._value(ready):
            if time.monotonic() > deadline:
                raise BrowserError(f"{html}: not loaded in {self.timeout:g} s")
            time.sleep(0.05)
        self._value("document.fonts.ready.then(() => true)")
        return self._value(script)

    def _value(self, expression: str):
        found = self._call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True,
                           session=True)
        if "exceptionDetails" in found:
            raise BrowserError(f"the script failed: {found['exceptionDetails'].get('exception', {}).get('description')}")
        return found["result"].get("value")

    def _said(self) -> str:
        """The end of what Chromium wrote on stderr."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()[-2000:]

    def _send(self, method: str, session: bool = False, **params) -> int:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to, data):]
        return self._next

    def _call(self, method: str, session: bool = False, **params) -> dict:
        """Send one command and return its result, passing over the events that come before it."""
        wanted = self._send(method, session, **params)
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._from], [], [], left)[0]:
                    raise BrowserError(f"no answer to {method} in {self.timeout:g} s")
                chunk = os.read(self._from, 1 << 16)
                if not chunk:
                    raise BrowserError(f"chromium closed the pipe (exit {self._proc.poll()}) before answering {method}: "
                                       f"{self._said()}")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            message = json.loads(raw)
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message["result"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--colors", type=int, default=0,
                        help="Quantize the PNG to this many colours (keeps a committed picture small).")
    args = parser.parse_args(argv)
    png = screenshot(args.html, args.png, width=args.width, height=args.height, scale=args.scale)
    if args.colors:
        from PIL import Image

        # octree keeps small areas of rare colour (legend swatches) that median cut merges away
        Image.open(png).convert("RGB").quantize(args.colors, method=Image.Quantize.FASTOCTREE).save(
            png, optimize=True)
    print(f"{png} ({png.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
