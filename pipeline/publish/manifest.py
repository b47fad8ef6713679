"""The manifest: what one published year holds, and the sha256 of every file of it.

`manifest.json` sits in the year's folder and covers the whole year:

* `outputs`: the sha256 of each file in `outputs/<year>/`, by file name;
* `dataset`: the sha256 of each of the year's partitions in the Hive dataset,
  by path under `outputs/` (`dataset/payments/guide_year=2022/part-0.parquet`);
* `sections`: each section the guide prints (payments, exclusions, terminology):
  whether it is printed and what announced it, its form, the pages it was found on
  and how many entries were read from it;
* `layout`: the layout the guide was read in: its payment tables in printed order,
  each with its pages, the care settings it prints and what each column holds, and
  the settings the guide prints (a setting not printed has no payment rows);
* `self_sha256`: the sha256 of the manifest itself as written without this
  last entry, so that an edit of the manifest (a title, a hash) is caught too.

With it, a reader can tell a whole year from a torn or damaged one without
trusting anything but the manifest (`pipeline.readers.check`). No timestamps:
two builds of the same source write the same bytes.

`manifest_for` takes the files dict it describes; a module that adds a file to
a year adds it to that dict, and the manifest covers it.
"""

from __future__ import annotations

import json

from pipeline import __version__
from pipeline.digest import sha256_bytes
from pipeline import fields as F
from pipeline.paths import MANIFEST  # noqa: F401  (re-exported)

SELF_SHA256 = "self_sha256"


def sha256(data) -> str:
    return sha256_bytes(data)


def manifest_for(guide, files: dict[str, bytes], dataset: dict[str, bytes] | None = None) -> dict:
    """The manifest of one guide's outputs: document facts, counts, hashes. No timestamps.

    `files` are the year folder's files by name, `dataset` its partitions by
    path under `outputs/`.
    """
    return {
        "title": guide.title,
        "guide_year": guide.guide_year,
        "effective_date": guide.effective_date.isoformat() if guide.effective_date else None,
        "document_number": guide.document_number,
        "source": {"file": guide.source_name, "sha256": guide.sha256, "page_count": guide.page_count},
        "pipeline_version": __version__,
        "schema_version": F.SCHEMA_VERSION,
        "row_counts": {name: int(len(frame)) for name, frame in guide.tables.items()},
        # each section the guide prints: what announced it, in which form, its pages and how many entries
        # were read from it (`pipeline.validate.section_failures` checks them against the tables)
        "sections": {name: section.record() for name, section in guide.sections.items()},
        # the layout the guide was read in: its payment tables (pages, settings, columns in printed order)
        # and the settings it prints (`pipeline.validate` checks the payments against them)
        "layout": guide.layout,
        "footnotes": guide.footnotes,
        # characters on the page a viewer does not paint, dropped before any table was read
        "hidden_characters": {str(page): counts for page, counts in sorted(guide.hidden.items())},
        # outside the published data and its cues: glyphs no font maps, and lines or cells read differently
        "unmapped_characters": {str(page): n for page, n in sorted(guide.unmapped.items())},
        "differing_readings": {str(page): n for page, n in sorted(guide.differing.items())},
        # what was read but not needed, said once (an unknown group header over columns that name themselves)
        "warnings": guide.warnings,
        "outputs": {name: sha256(data) for name, data in sorted(files.items())},
        "dataset": {path: sha256(data) for path, data in sorted((dataset or {}).items())},
    }


def _dump(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def manifest_bytes(manifest: dict) -> bytes:
    """`manifest` as the file publish writes: indented JSON, `self_sha256` last."""
    body = {k: v for k, v in manifest.items() if k != SELF_SHA256}
    return _dump({**body, SELF_SHA256: sha256(_dump(body))})


class ManifestDamaged(ValueError):
    """manifest.json is not the file publish wrote; the message says how."""


def parse_manifest(data: bytes) -> dict:
    """The manifest in `data`, after checking it is exactly as publish wrote it. Raises `ManifestDamaged`."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ManifestDamaged(f"not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ManifestDamaged(f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
    if not isinstance(manifest, dict):
        raise ManifestDamaged("not a JSON object")
    if SELF_SHA256 not in manifest:
        raise ManifestDamaged(f"has no {SELF_SHA256} (written by an older pipeline? rebuild the year)")
    if manifest_bytes(manifest) != data:
        raise ManifestDamaged(f"its {SELF_SHA256} does not match its content (edited or damaged after publishing)")
    for key in ("guide_year", "outputs", "dataset", "row_counts"):
        if key not in manifest:
            raise ManifestDamaged(f"has no {key!r}")
    return manifest
