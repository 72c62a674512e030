"""How the app writes its lines, so that they read the same with `python tap.py` and under the cdktf CLI.

The cdktf CLI labels every chunk of the app's stderr `[ERROR] default -`, and prints every
chunk of its stdout with a newline of its own. Under the CLI (`tap.py` tells, from the
CDKTF_OUTDIR the CLI sets), warnings therefore go to stdout, and each message is one write
without its final newline, so no empty `[ERROR]` line or blank line follows it. The standard
library only.
"""

from __future__ import annotations

import sys
from typing import TextIO

_under_cdktf_cli = False


def follow_cdktf_cli() -> None:
    """From now on, write as the cdktf CLI needs (tap.py calls this when the CLI runs it)."""
    global _under_cdktf_cli
    _under_cdktf_cli = True


def under_cdktf_cli() -> bool:
    return _under_cdktf_cli


def write(text: str, stream: TextIO) -> None:
    """One message (lines joined by newlines) as one write."""
    if under_cdktf_cli():
        stream.write(text)
        stream.flush()
    else:
        stream.write(text + "\n")


def warning(message: str) -> None:
    write(f"warning: {message}", sys.stdout if under_cdktf_cli() else sys.stderr)


def error(*messages: str) -> None:
    write("\n".join(f"error: {message}" for message in messages), sys.stderr)


def info(message: str) -> None:
    write(message, sys.stdout)
