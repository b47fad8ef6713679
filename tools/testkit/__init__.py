"""The test kit: what the tests and the tools both use, imported as `tools.testkit.<module>`.

* `paths`: where the repository's sources, outputs and fixtures are (the tests' 2022 guide among them), and
  copies of them;
* `renderer`: draws a guide PDF from known data with reportlab;
* `guide_2022`: the 2022 guide's data, which `tools/make_reconstruction.py` renders into `sources/2022/` and
  `tests/fixtures/sources/2022/`;
* `guides`: the guides the layout fixtures of `tests/fixtures/` are made from;
* `guide_data`: a guide as the rows the pipeline must publish, and seeded random guides;
* `editions`: the layouts a new edition may take (issue #24), as documents any producer prints;
* `two_years`: the 2022 guide built alone, and with a 2023 edition of it into two published years;
* `chromium`: prints an HTML page to PDF with headless Chromium.

The pipeline never imports it (`tests/test_testkit.py`), and it is not part of the installed package.
"""
