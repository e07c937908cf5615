"""The ``lim-analysis`` command line."""

import argparse
import logging
import sys

from lim_analysis import __version__
from lim_analysis.rerun import add_commands as add_rerun_commands

log = logging.getLogger("lim_analysis")


def _cmd_build(args) -> int:
    from lim_analysis.book import BookBuildError, build_book

    try:
        index = build_book(
            args.root, execute=not args.no_execute, clean=args.clean, quiet=args.quiet
        )
    except BookBuildError as error:
        print(f"lim-analysis build: {error}", file=sys.stderr)
        return 1
    print(index)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lim-analysis",
        description=(
            "Thermodynamic update-energy bounds beside itemised system energy: "
            "build the book and rerun its chapters."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument(
        "-q", "--quiet-log", action="store_true", help="log only warnings and errors"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for add_commands in _COMMAND_GROUPS:
        add_commands(commands)
    return parser


def _add_build_command(commands) -> None:
    build = commands.add_parser(
        "build",
        help="execute the notebooks and build the HTML book",
        description=(
            "Execute every chapter (cached: unchanged notebooks are not rerun) and "
            "build the HTML book into book/_build/html. Fails on any cell error or "
            "Sphinx warning. Prints the path of index.html."
        ),
    )
    build.add_argument(
        "--no-execute", action="store_true", help="build without running the notebooks"
    )
    build.add_argument(
        "--clean",
        action="store_true",
        help="remove book/_build (HTML and execution cache) before building",
    )
    build.add_argument(
        "--root", default=None, help="repository to build from (default: this clone)"
    )
    build.add_argument("--quiet", action="store_true", help="less Sphinx output")
    build.set_defaults(handler=_cmd_build)


# Each group adds its subcommands to the parser; a handler returns the exit
# code (0 success, 1 failed run, 2 bad input).
_COMMAND_GROUPS = [_add_build_command]
_COMMAND_GROUPS.append(add_rerun_commands)


def _add_ledger_commands(commands) -> None:
    from lim_analysis.ledger_cli import add_commands

    add_commands(commands)


_COMMAND_GROUPS.append(_add_ledger_commands)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet_log else logging.INFO,
        format="lim-analysis: %(message)s",
    )
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
