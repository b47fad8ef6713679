"""Run: the build around the stages.

`build` runs extract -> normalize -> validate -> publish for every source, each
parse in a sandboxed child (`sandbox`, warmed by `_preload`); `buildstate` knows
when nothing changed; `progress` draws the bar. No stage imports from here.
"""
