"""Print an HTML page to PDF with headless Chromium, as a user would from the command line."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


class Missing(Exception):
    """A producer a fixture needs (Chromium, a TeX engine, a font, ...) is not installed."""


def print_to_pdf(html_text: str, target: Path) -> Path:
    """Print `html_text` to `target`; `Missing` when there is no chromium on PATH."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise Missing("chromium")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "guide.html"
        page.write_text(html_text, encoding="utf-8")
        out = Path(tmp) / "out.pdf"
        profile = Path(tmp) / "profile"
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={out}",
                        page.as_uri()], check=True, capture_output=True, timeout=180)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, target)
    return target
