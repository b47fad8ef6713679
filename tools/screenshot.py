"""Screenshot an HTML file, or dump its laid-out DOM, with headless Chromium, offline: for the report tests
and the docs picture.

    python -m tools.screenshot outputs/2022/report.html docs/report-screenshot.png

Chromium (Debian's `chromium` package) is started with networking features off
and a throwaway profile, so the shot shows only what the file itself holds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
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


def dump_dom(html: Path, *, width: int = 1280, height: int = 900, chromium: Path = CHROMIUM,
             timeout: float = 60) -> str:
    """The DOM of `html` once Chromium has laid it out in a `width` x `height` window, as HTML text.

    What a script in the page wrote into the DOM is in it: a test injects one that
    records where elements were laid out (getBoundingClientRect) before the dump.
    """
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run([str(chromium), *_flags(profile, width, height, 1), "--dump-dom",
                               Path(html).resolve().as_uri()], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done.stdout


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
