"""Render `sources/2022/` : the 2022 NanoKnife CPT Reimbursement Guide, reconstructed.

The vendor's PDF cannot be shipped with this repository, so the default source
is rebuilt from the guide's published text (the data section as the vendor's
text layer reads, and the cover, contents and document number from its public
listing). Prose is abridged; tables, headers, footnote marks and values are as
published. A user who has the vendor's real PDF puts it in `sources/2022/` in
place of this one. The guide's data is `tools/testkit/guide_2022.py`.

The same bytes are the tests' 2022 guide, `tests/fixtures/sources/2022/`: the
tests never read `sources/`, which is the user's (`tools/testkit/paths.py`).

    python -m tools.make_reconstruction            # writes both
    python -m tools.make_reconstruction --check    # exit 1 if a committed copy differs
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tools.testkit.guide_2022 import GUIDE_2022
from tools.testkit.paths import SHIPPED_2022, SOURCE_2022
from tools.testkit.renderer import render

TARGETS = (SHIPPED_2022, SOURCE_2022)


def main(argv: list[str]) -> int:
    if argv[1:] == ["--check"]:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = render(GUIDE_2022, Path(tmp) / SOURCE_2022.name).read_bytes()
        differ = [t for t in TARGETS if t.exists() and t.read_bytes() != fresh]
        if not SOURCE_2022.exists():
            differ.append(SOURCE_2022)
        for target in differ:
            print(f"{target} differs from what this script renders")
        if not SHIPPED_2022.exists():
            print(f"{SHIPPED_2022.parent} holds no reconstruction (the vendor's PDF took its place?)")
        if not differ:
            print("reconstruction is up to date")
        return 1 if differ else 0
    for target in TARGETS:
        print(render(GUIDE_2022, target))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
