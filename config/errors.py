"""The one exception a bad user file produces; tap.py prints it as `error: <message>` and exits 2."""

from __future__ import annotations

import re

# Unicode format characters that change how a line reads without being seen: bidirectional overrides,
# embeddings and isolates (a "Trojan Source" line), zero-width spaces and joiners, the soft hyphen, word joiners,
# invisible operators and the byte order mark. Shared with config/user_files.py, which refuses them in files.
INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
# C0 and C1 control characters, DEL, the Unicode line and paragraph separators and the invisible format characters:
# any of them in a message (from a folder name, a key, a value) would reach the terminal as a second line, a control
# sequence, or text that reads other than it is.
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{INVISIBLE}]")


def one_line(text: str) -> str:
    """`text` with every control character written as an escape (\\n, \\x1b, \\u2028): always one terminal line."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class ConfigError(Exception):
    """Bad input from a configuration or values file. The message is meant for the user as is: one line,
    whatever the input held (control characters are escaped when the message is read)."""

    def __str__(self) -> str:
        return one_line(super().__str__())
