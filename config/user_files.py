"""Reads a file a user edits, treating it as untrusted input.

Every environment file, service.yaml and values*.yaml goes through `read_user_yaml`: the
path must be a regular file inside its root (a symlink may not lead out of the repository),
at most `MAX_FILE_BYTES`, strict UTF-8, YAML without aliases, duplicate keys, deep nesting
or tags beyond plain data, and a mapping at the top. Each refusal is a `UserFileError`
whose message is one line: the file, where in it, and the rule.
"""

from __future__ import annotations

import copy
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from config.errors import INVISIBLE, ConfigError, one_line

REPO_ROOT = Path(__file__).resolve().parent.parent
# No configuration or values file is anywhere near this (the largest shipped one is under 2 KiB);
# a larger one is a mistake or an attack, and its strict parse alone would take seconds.
MAX_FILE_BYTES = 64 * 1024
# The largest integer a 64-bit float (JSON numbers in Helm and Terraform) holds exactly.
MAX_EXACT_INTEGER = 2**53 - 1
# Nesting deeper than this is not configuration (and the parser recurses per level).
MAX_DEPTH = 32


class UserFileError(ConfigError):
    """A user file that cannot be read as configuration. The message is one line: file, field, rule."""


class _PythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own reader, scanner and parser: for a PyYAML built without libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


# libyaml scans and parses where PyYAML has it (its wheels do): the pure-Python scanner took three quarters
# of a second for 100 services' files. Either way the events are the same, and PyYAML's composer builds the nodes.
try:
    from yaml.cyaml import CParser as _Parser
except ImportError:  # a PyYAML built without libyaml
    _Parser = _PythonParser  # type: ignore[misc, assignment]


class _StrictLoader(_Parser, Composer, SafeConstructor, Resolver):  # type: ignore[misc, valid-type]
    """A safe loader that refuses aliases (so no alias bomb can expand), duplicate keys and deep nesting,
    and keeps dates as the strings Helm would see.

    Every node passes through `compose_node` below: PyYAML's composer builds them from the parser's
    events. CParser's own C composer is bypassed on purpose: it would expand aliases into shared nodes
    without a word."""

    PARSER: type = _Parser
    get_single_node = Composer.get_single_node
    compose_document = Composer.compose_document
    check_node = Composer.check_node
    get_node = Composer.get_node

    def __init__(self, stream: str) -> None:
        self.PARSER.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(f"line {event.start_mark.line + 1}", f"YAML aliases (*{event.anchor}) are not allowed; write the value out")
        event = self.peek_event()
        if getattr(event, "tag", None) not in (None, "!"):
            # Every explicit tag, standard ones included: `!!int "abc"` or `!!bool maybe` would reach a
            # constructor that raises, and a value that needs a type says it in plain YAML (quote a string).
            raise _Refused(
                f"line {event.start_mark.line + 1}",
                f"YAML tag {event.tag} is not allowed; use plain strings, numbers, lists and maps (quote a value to make it a string)",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise _Refused(f"line {event.start_mark.line + 1}", f"nesting deeper than {MAX_DEPTH} levels is not allowed")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_as_string(self, node: ScalarNode) -> str:
        return str(node.value)

    def construct_finite_float(self, node: ScalarNode) -> float:
        value = self.construct_yaml_float(node)
        if value != value or value in (float("inf"), float("-inf")):
            raise _Refused(f"line {node.start_mark.line + 1}", f"{node.value!r} is not a finite number")
        return value

    def refuse_tag(self, node: Node) -> None:
        raise _Refused(
            f"line {node.start_mark.line + 1}", f"YAML tag {node.tag} is not allowed; use plain strings, numbers, lists and maps"
        )


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_as_string)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_finite_float)
for _tag in ("binary", "set", "omap", "pairs"):
    _StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _StrictLoader.refuse_tag)
_StrictLoader.add_constructor(None, _StrictLoader.refuse_tag)


class _Refused(Exception):
    def __init__(self, where: str, rule: str) -> None:
        super().__init__(f"{where}: {rule}")


def _check_mappings(loader: _StrictLoader, node: Node, path: tuple[str, ...] = ()) -> None:
    """Walks the composed document: every mapping key a plain scalar, and each once (at any depth)."""
    if isinstance(node, MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(f"line {line}", "YAML merge keys (<<) are not allowed; write the keys out")
            if not isinstance(key_node, ScalarNode):
                raise _Refused(f"line {line}", "a mapping key must be a plain scalar")
            key = loader.construct_object(key_node, deep=True)
            field = ".".join((*path, str(key)))
            if not isinstance(key, str):
                # Helm and JSON know only string keys: 1 and "1" would become one key, `null:` the key "null".
                raise _Refused(field, f"line {line}: a mapping key must be a string; quote it ({key_node.value!r})")
            if key in seen:
                raise _Refused(field, f"duplicate key (lines {seen[key]} and {line}); each key may appear once")
            seen[key] = line
            _check_mappings(loader, value_node, (*path, str(key)))
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _check_mappings(loader, item, (*path, str(index)))


def _parse(text: str) -> Any:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_mappings(loader, node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def confined_path(path: Path, root: Path) -> Path:
    """`path` resolved, if it is a regular file inside `root`; a symlink may point only inside `root`."""
    resolved_root = root.resolve()
    try:
        resolved = path.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        raise UserFileError(f"{display(path)}: does not exist or is a broken or looping symlink") from None
    if not resolved.is_relative_to(resolved_root):
        where = "the repository" if resolved_root == REPO_ROOT else f"{display(root)}/"
        raise UserFileError(f"{display(path)}: is a symlink to {resolved}, outside {where}; a user file must live in the repository")
    mode = resolved.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise UserFileError(f"{display(path)}: is {kind}; expected a YAML file")
    return resolved


# Parsed files by identity and version: the same values.yaml is read for every environment and
# again to say which file set a field; parsing it once keeps a refusal within seconds.
_parsed: dict[tuple[Path, int, int, int], dict[str, Any]] = {}


def read_user_yaml(path: Path, root: Path) -> dict[str, Any]:
    """The top-level mapping of a user file (a copy the caller may change), or UserFileError naming the file and the rule."""
    resolved = confined_path(path, root)
    status = resolved.stat()
    key = (resolved, status.st_ino, status.st_size, status.st_mtime_ns)
    if key not in _parsed:
        _parsed[key] = _read(path, resolved)
    return copy.deepcopy(_parsed[key])


def _read(path: Path, resolved: Path) -> dict[str, Any]:
    try:
        with open(resolved, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UserFileError(f"{display(path)}: cannot be read ({error.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise UserFileError(f"{display(path)}: is larger than {MAX_FILE_BYTES // 1024} KiB, the limit for a configuration or values file")
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UserFileError(
            f"{display(path)}: line {line}: not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")  # a byte order mark may open a file (editors on Windows write one); nowhere else
    control = _CONTROL_CHARACTER.search(text)
    if control:
        # YAML escapes ("\0", "\x1b") are checked after parsing (_check_strings); raw ones are refused here.
        line = text.count("\n", 0, control.start()) + 1
        character = one_line(control.group())
        raise UserFileError(f"{display(path)}: line {line}: control character {character} is not allowed in a file a user edits")
    try:
        loaded = _parse(text)
    except _Refused as refused:
        raise UserFileError(f"{display(path)}: {refused}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = " ".join(str(getattr(error, "problem", None) or error).split())
        raise UserFileError(f"{display(path)}: {where}not valid YAML: {problem}") from None
    except RecursionError:
        raise UserFileError(f"{display(path)}: nesting deeper than {MAX_DEPTH} levels is not allowed") from None
    if loaded is None:
        return {}
    _check_strings(path, loaded)
    if not isinstance(loaded, dict):
        raise UserFileError(f"{display(path)}: must be a YAML mapping at the top level, got a {type(loaded).__name__}")
    for key in loaded:
        if not isinstance(key, str):
            raise UserFileError(f"{display(path)}: {key!r}: top-level keys must be strings")
    return loaded


# Raw control characters other than tab, line feed and carriage return (YAML's own whitespace).
# Invisible format characters (config/errors.py, INVISIBLE) too: a reviewer would read another value than the one
# deployed (a right-to-left override reorders a line; a zero-width space makes `payment` another name).
_CONTROL_CHARACTER = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{INVISIBLE}]")
# In a parsed string (escapes resolved): every control character but tab (a multi-line string is refused
# by the fields that take names; a values string may be a multi-line block, so line feeds stay).
_CONTROL_IN_VALUE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{INVISIBLE}]")


def _check_strings(path: Path, node: Any, field: tuple[str, ...] = ()) -> None:
    r"""No NUL or other control character in any key or string value, however written (`"\0"`, `"\e"`):
    they truncate strings in C-based tools and forge lines on a terminal."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        where = (*field, str(key))
        for text in (key, value):
            if isinstance(text, str) and _CONTROL_IN_VALUE.search(text):
                character = one_line(_CONTROL_IN_VALUE.search(text).group())
                raise UserFileError(f"{display(path)}: {'.'.join(where)}: control character {character} is not allowed")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_EXACT_INTEGER:
            # Helm and Terraform hold numbers as 64-bit floats: 2**63 would render as 9.223372036854776e+18.
            raise UserFileError(
                f"{display(path)}: {'.'.join(where)}: {value} is beyond {MAX_EXACT_INTEGER} (2**53 - 1), the largest integer "
                "Helm and Terraform hold exactly"
            )
        _check_strings(path, value, where)


def display(path: Path) -> str:
    """`path` relative to the repository when inside it (never following a final symlink)."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
