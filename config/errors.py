"""The one exception a bad user file produces; tap.py prints it as `error: <message>` and exits 2."""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: any of them in a
# message (from a folder name, a key, a value) would reach the terminal as a second line or a control sequence.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with every control character written as an escape (\\n, \\x1b, \\u2028): always one terminal line."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class ConfigError(Exception):
    """Bad input from a configuration or values file. The message is meant for the user as is: one line,
    whatever the input held (control characters are escaped when the message is read)."""

    def __str__(self) -> str:
        return one_line(super().__str__())
