"""The opening every script that takes an environment shares: its arguments, the environment's configuration, and
the refusal of either as one line with exit status 2, before the script has written or asked anything.

    @cli.refusals_exit_2
    def main(argv: list[str]) -> int:
        config, (plan,), flags = cli.environment_arguments(argv, USAGE, positional=2, flags={"--always"})

One place, so that every script refuses a wrong argument or a bad configuration file the same way as the synth
does (file, field, rule; no traceback), and a new script cannot forget to.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple, ParamSpec

from app_support import console
from config.loader import ConfigError, load_environment
from config.model import EnvironmentConfig

P = ParamSpec("P")
REFUSED = 2  # the exit status of a usage or configuration error, as tap.py's


class UsageError(Exception):
    """The arguments do not fit the script; the message is its usage line, printed as is."""


class EnvironmentArguments(NamedTuple):
    config: EnvironmentConfig
    positional: list[str]  # the arguments after the environment name
    flags: set[str]  # the flags given, of those the script accepts


def environment_arguments(argv: Sequence[str], usage: str, *, positional: int = 1, flags: Collection[str] = ()) -> EnvironmentArguments:
    """argv[1:] as an environment name, `positional - 1` further arguments and any of `flags` (anywhere), with that
    environment's configuration loaded. UsageError when the count is off, ConfigError when the configuration is."""
    arguments = [argument for argument in argv[1:] if argument not in flags]
    if len(arguments) != positional:
        raise UsageError(usage)
    return EnvironmentArguments(load_environment(arguments[0]), arguments[1:], set(argv[1:]) & set(flags))


def refusals_exit_2(main: Callable[P, int]) -> Callable[P, int]:
    """`main`, with a UsageError or ConfigError it raises printed as one line on stderr and turned into exit status 2."""

    @functools.wraps(main)
    def refusing(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return main(*args, **kwargs)
        except UsageError as usage:
            console.write(str(usage), sys.stderr)
            return REFUSED
        except ConfigError as error:
            console.error(str(error))
            return REFUSED

    return refusing
