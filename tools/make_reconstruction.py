"""Render `sources/2022/` : the 2022 NanoKnife CPT Reimbursement Guide, reconstructed.

The vendor's PDF cannot be shipped with this repository, so the default source
is rebuilt from the guide's published text (the data section as the vendor's
text layer reads, and the cover, contents and document number from its public
listing). Prose is abridged; tables, headers, footnote marks and values are as
published. A user who has the vendor's real PDF puts it in `sources/2022/` in
place of this one. The guide's data is `tools/testkit/guide_2022.py`.

    python -m tools.make_reconstruction            # writes sources/2022/...
    python -m tools.make_reconstruction --check    # exit 1 if the committed PDF differs
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tools.testkit.guide_2022 import GUIDE_2022
from tools.testkit.paths import SOURCE_2022 as TARGET
from tools.testkit.renderer import render


def main(argv: list[str]) -> int:
    if argv[1:] == ["--check"]:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = render(GUIDE_2022, Path(tmp) / TARGET.name)
            same = fresh.read_bytes() == TARGET.read_bytes()
        print("reconstruction is up to date" if same else f"{TARGET} differs from what this script renders")
        return 0 if same else 1
    print(render(GUIDE_2022, TARGET))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
