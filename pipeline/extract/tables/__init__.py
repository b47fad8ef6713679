"""Table finders for one page: `ruled` (grids from ruling lines) and `unruled` (tables found by their header)."""
