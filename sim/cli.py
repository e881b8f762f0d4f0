"""`python -m sim COMMAND ...`: parse arguments, run one command, turn user mistakes into exit 2.

Each command lives in `sim/commands/` as a module with NAME, HELP, `add_arguments(parser)`
and `run(args) -> int`; this module only dispatches and reports errors.
"""

import argparse
import re
import sys
import warnings

from sim.commands import COMMANDS
from sim.errors import SimError
from sim.paths import ShadowWarning, closest

EXIT_USER_ERROR = 2


EXAMPLES = """examples:
  python -m sim run mobilenet --hw pi3
  python -m sim analyze workloads/bottleneck_256.yaml --hw xavier --format markdown
  python -m sim roofline --hw pi3 xavier v100 --plot roofs.png
  python -m sim COMMAND --help      (every command's options, with examples)"""

_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one line and exit code 2, suggesting the
    closest choice for a mistyped one."""

    def error(self, message: str):
        found = _INVALID_CHOICE.search(message)
        if found:
            match = closest(found[1], re.findall(r"'([^']*)'", found[2]))
            if match:
                message += f" (did you mean {match}?)"
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m sim",
        description=__doc__.splitlines()[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.HELP,
            epilog=getattr(command, "EXAMPLES", None),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ShadowWarning)
            warnings.showwarning = _note_once(set())
            return args.run(args)
    except SimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _note_once(said: set[str]):
    """A `warnings.showwarning` that prints a ShadowWarning as one `note:` line, once."""

    def show(message, category, *_args, **_kwargs) -> None:
        text = f"note: {message}"
        if text not in said:
            said.add(text)
            print(text, file=sys.stderr)

    return show
