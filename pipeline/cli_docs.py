"""The command reference, `docs/commands.md`, generated from the click commands themselves.

A hand-kept list of options drifts from the code the first time someone adds
one. So the reference is rendered from `pipeline.cli.main`: each command's
usage line, its help text, and a table of its options with their defaults.
`python -m pipeline docs` rewrites it with the other generated files and
`--check` fails when it is stale; `tests/test_docs.py` checks both, and that
every command and option appears (as sqlite-utils' `test_docs.py` does).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
COMMANDS_MD = ROOT / "docs" / "commands.md"
#: How a user runs the commands from a checkout: the virtualenv's console script, no activation needed.
PROGRAM = ".venv/bin/nanoknife-pipeline"

_HEAD = """# Command reference

Generated from the click commands by `make docs` (`pipeline/cli_docs.py`); do not edit by hand,
`make test` fails when it is stale.

Run them as `{program} COMMAND ...` from the checkout (`make build` creates `.venv`), or
`.venv/bin/python -m pipeline COMMAND ...`; `source .venv/bin/activate` puts `nanoknife-pipeline` on
your PATH for the session. Every command has `--help`. The make targets that run them are listed in
the [README](../README.md#commands).

Exit status: 0 when everything asked for was done; 1 when a guide, a year or a check failed (each
failure is one line on stderr naming the file and the reason); 2 for a usage error (an unknown
option, a missing argument). See [failures.md](failures.md) for what each failure line means.
"""


def _usage(command: click.Command, name: str) -> str:
    ctx = click.Context(command, info_name=f"{PROGRAM} {name}")
    return " ".join(command.collect_usage_pieces(ctx)).join((f"{PROGRAM} {name} ", ""))


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _option_rows(command: click.Command) -> list[str]:
    rows = []
    for param in command.params:
        if isinstance(param, click.Argument):
            rows.append(f"| `{param.human_readable_name}` | argument{' (repeatable)' if param.nargs == -1 else ''} "
                        f"| {'required' if param.required else 'optional'} |")
            continue
        names = ", ".join(f"`{n}`" for n in (*param.opts, *param.secondary_opts))
        if not param.is_flag and param.metavar:
            names += f" {param.metavar}"
        elif not param.is_flag:
            names += f" {param.type.name.upper()}"
        help_text = param.help or ""
        if param.show_default and param.default is not None and not param.is_flag:
            help_text += f" [default: {param.default}]"
        if param.multiple:
            help_text += " (repeatable)"
        rows.append(f"| {names} | option | {_cell(help_text)} |")
    return rows


def render_commands(group: click.Group | None = None) -> str:
    """The Markdown command reference for every command of `group` (default: the pipeline's), by name."""
    if group is None:
        from pipeline.cli import main as group
    lines = [_HEAD.format(program=PROGRAM)]
    for name in sorted(group.commands):
        command = group.commands[name]
        lines += [f"## {name}", "", "```", _usage(command, name), "```", "",
                  inspect.cleandoc(command.help or ""), "",
                  "| option | kind | what it does |", "|---|---|---|", *_option_rows(command),
                  "| `-h`, `--help` | option | Show the help and exit. |", ""]
    return "\n".join(lines)


def stale(path: Path = COMMANDS_MD) -> bool:
    """Whether `path` differs from the reference the commands generate now."""
    return not path.is_file() or path.read_text(encoding="utf-8") != render_commands()


def write_commands(path: Path = COMMANDS_MD) -> bool:
    """Rewrite `path` when stale (same-folder temporary file, then a rename); True if it was written."""
    if not stale(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_commands(), encoding="utf-8", newline="\n")
    tmp.replace(path)
    return True
