"""`python -m sim COMMAND ...`: parse arguments, run one command, turn user mistakes into exit 2.

Each command lives in `sim/commands/` (its registry says which module); this module only
dispatches and reports how a run ended:

- 0: done; 2: a mistake in an input or a flag, said in one line on stderr;
- 130 (Ctrl-C) and 143 (SIGTERM): interrupted, one line, no output file left half-written;
- 141: standard output was a pipe whose reader went away (`| head`): quietly, as `yes | head`.
"""

import argparse
import contextlib
import gc
import os
import re
import signal
import sys
import threading
import warnings

import sim.native
from sim import __version__
from sim.commands import COMMANDS
from sim.errors import SimError
from sim.paths import ShadowWarning, closest

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
EXIT_TERMINATED = 143

DESCRIPTION = """\
Simulate deep-learning inference on a device's memory hierarchy: how long a
network takes, how many bytes really cross the DRAM bus (next to the
cache-ignoring estimate), which layers are compute-, DRAM- or latency-bound,
and what a fused or tiled schedule would save."""

EPILOG = """\
start here:
  python -m sim list                        the shipped devices and networks
  python -m sim run mobilenet --hw pi3      MobileNet on one Raspberry Pi 3 core
  python -m sim compare mobilenet --hw pi3  what fusing layers saves, per layer
  python -m sim analyze resnet50 --hw v100  the estimate: FLOPs, bytes, bound
  python -m sim COMMAND --help              a command's options, with examples

WORKLOAD and HW are shipped names (see `list`) or paths to YAML or ONNX files.
A mistake in an input ends with one line naming the file, the place and the
reason, and exit code 2. Documentation: docs/tutorial.md in the repository."""

_INVALID_CHOICE = re.compile(r"invalid choice: '?([^' ]*)'? \(choose from ([^)]*)\)")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one line and exit code 2, suggesting the
    closest choice for a mistyped one."""

    def error(self, message: str):
        found = _INVALID_CHOICE.search(message)
        if found:
            match = closest(found[1], [c.strip(" '") for c in found[2].split(",")])
            if match:
                message += f" (did you mean {match}?)"
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command `argv` names gets its arguments (and its imports)."""
    commands = "\n".join(f"  {c.name:<10}{c.help}" for c in COMMANDS)
    parser = _Parser(
        prog="python -m sim",
        usage="python -m sim COMMAND [options]",
        description=f"{DESCRIPTION}\n\ncommands:\n{commands}",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sim {__version__}")
    subparsers = parser.add_subparsers(
        dest="command",
        required=True,
        parser_class=_Parser,
        metavar="COMMAND",
        help=argparse.SUPPRESS,
    )
    chosen = next((a for a in argv or [] if not a.startswith("-")), None)
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.help,
            prog=f"python -m sim {command.name}",
        )
        if command.name == chosen or argv is None:
            module = command.load()
            sub.epilog = getattr(module, "EXAMPLES", None)
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


@contextlib.contextmanager
def _loading_modules():
    """The command's modules load with Python's cyclic garbage collector off, and what they
    made is then frozen out of its sight (once per process): imports make a hundred thousand
    objects (numpy's, numba's, sim's) that live as long as the process and no garbage, which
    the collector would otherwise walk over and over while they load and while a run goes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if not gc.get_freeze_count():
                gc.freeze()


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that it unwinds as Ctrl-C does."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if sys.stdout is None:  # started with its standard output closed (`>&-`)
        print("error: standard output is closed", file=sys.stderr)
        return EXIT_USER_ERROR
    received: list[int] = []  # the SIGTERMs that arrived
    previous = _raise_on_sigterm(received)
    sim.native.before_build = _announce_build
    try:
        with _loading_modules():
            parser = build_parser(argv)
        args = parser.parse_args(argv)
        with warnings.catch_warnings():
            warnings.simplefilter("always", ShadowWarning)
            warnings.showwarning = _note_once(set())
            code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return code
    except SimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # raised while an interruption unwound (numba's compiler, say)
        interruption = _interruption(exc, bool(received))
        if interruption is None:
            raise
        print("terminated" if interruption is Terminated else "interrupted", file=sys.stderr)
        return EXIT_TERMINATED if interruption is Terminated else EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _announce_build() -> None:
    if sys.stderr.isatty():
        print(
            "building sim's compiled kernels for this machine, once (some 15 to 30 s)",
            file=sys.stderr,
        )


def _interruption(exc: BaseException, sigterm: bool) -> type[BaseException] | None:
    """Terminated or KeyboardInterrupt if `exc` was raised while one of them unwound (its
    context chain holds it), or if SIGTERM arrived at all: a library interrupted in the
    middle of its work (numba compiling a kernel) may fail with an error of its own."""
    seen = exc
    while seen is not None:
        if isinstance(seen, Terminated):
            return Terminated
        if isinstance(seen, KeyboardInterrupt):
            return KeyboardInterrupt
        seen = seen.__context__ or seen.__cause__
    return Terminated if sigterm else None


def _raise_on_sigterm(received: list[int]):
    """Make SIGTERM raise `Terminated` (main thread only), noted in `received`; the handler it
    replaces."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        received.append(signum)
        raise Terminated

    return signal.signal(signal.SIGTERM, handler)


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush does not fail too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass


def _note_once(said: set[str]):
    """A `warnings.showwarning` that prints a ShadowWarning as one `note:` line, once."""

    def show(message, category, *_args, **_kwargs) -> None:
        text = f"note: {message}"
        if text not in said:
            said.add(text)
            print(text, file=sys.stderr)

    return show
