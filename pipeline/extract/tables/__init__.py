"""Table finders for one page: `ruled` (grids from ruling lines) and `unruled` (tables found by their header).

A table either finder leaves open at the foot of a page crosses to the next as an `open_table.OpenTable`.
"""
