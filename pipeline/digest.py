"""One way to hash a file: the sha256 the manifest, the no-op check and the warehouse all use."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hex sha256 of the file at `path`, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data) -> str:
    """Hex sha256 of `data`: bytes, or a file made a chunk at a time (`pipeline.publish.ChunkedFile`)."""
    if hasattr(data, "sha256"):
        return data.sha256()
    return hashlib.sha256(data).hexdigest()
