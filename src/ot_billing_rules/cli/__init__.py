"""The ``ot-billing`` command.

Each command lives in a module of this package exposing
``register(subparsers)``, listed in the command table
(:mod:`~ot_billing_rules.cli._commands`); only the module of the command
being run is imported. This module wires them together and turns every user
error into one line on stderr and exit status 2 — never a traceback.

Output is safe on any standard output: characters it cannot encode are
written as backslash escapes, and a reader that stops early (``| head``)
ends the command quietly with status 141, as if killed by ``SIGPIPE``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import OTBillingError
from ._commands import HELP, MODULES


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage plus the message; keep to the one-line contract.
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser; only ``command``'s module is imported and registered.

    Every other command gets a stand-in parser with its help line, so
    ``--help`` lists them all. ``command=None`` (or an unknown name, which
    argparse then refuses) imports no command module.
    """
    parser = _Parser(
        prog="ot-billing",
        description="Occupational-therapy billing rules: codes, units, evaluations, "
        "NCCI bundling and visit audits.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    if command in MODULES:
        importlib.import_module(f"{__package__}.{MODULES[command]}").register(sub)
    for name, help_line in HELP.items():
        if name not in sub.choices:
            sub.add_parser(name, help=help_line, add_help=False)
    # --help lists commands in the table's order, whichever was registered first.
    sub._choices_actions.sort(key=lambda action: list(HELP).index(action.dest))
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command word of ``argv``: its first argument that is not an option."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 findings, 2 user error)."""
    _escape_unencodable(sys.stdout)
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command(args_list))
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else 2
    try:
        status = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        _silence_stdout()
        return _SIGPIPE_STATUS
    except (OTBillingError, OSError) as exc:
        print(f"ot-billing: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


#: The status a shell reports for a process killed by SIGPIPE (128 + 13).
_SIGPIPE_STATUS = 141


def _escape_unencodable(stream: object) -> None:
    # An ASCII or Latin-1 terminal must not turn a visit id into a traceback.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    # The reader has gone: point stdout at devnull so the interpreter's final
    # flush does not print "Exception ignored ... BrokenPipeError" (the recipe
    # in the Python docs, "Note on SIGPIPE").
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass


def _one_line(exc: BaseException) -> str:
    text = (
        str(exc)
        if not isinstance(exc, OSError) or not exc.filename
        else (f"{exc.filename}: {exc.strerror}")
    )
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
