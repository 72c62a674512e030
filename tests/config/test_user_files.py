"""Every file a user edits is read as untrusted input: one line naming the file, or the data.

The bad-input corpus runs these through tap.py; here the same rules are checked directly and
fast, including the property that no text makes the reader raise anything but UserFileError.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import user_files
from config.loader import ENVIRONMENTS_DIR, SERVICES_DIR, ConfigError, load_environment
from config.user_files import MAX_DEPTH, MAX_FILE_BYTES, UserFileError, read_user_yaml

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join(['*' + previous] * 9)}]\n" for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


LIBYAML_LOADER = user_files._StrictLoader


class _PythonStrictLoader(user_files._PythonParser, LIBYAML_LOADER):
    """The same strict loader on PyYAML's pure-Python parser, as a PyYAML built without libyaml has it."""

    PARSER = user_files._PythonParser

    def __init__(self, stream: str) -> None:
        LIBYAML_LOADER.__init__(self, stream)


@pytest.fixture(params=["libyaml", "python"], autouse=True)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs on both parsers the reader may use: they must refuse and read alike."""
    if request.param == "python":
        monkeypatch.setattr(user_files, "_StrictLoader", _PythonStrictLoader)
    return request.param


def read(tmp_path: Path, content: str | bytes) -> dict:
    path = tmp_path / "values.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return read_user_yaml(path, tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("protected: true\nregion: x\nprotected: false\n", "protected: duplicate key (lines 1 and 3)"),
        ("a:\n  b:\n    - c: 1\n      c: 2\n", "a.b.0.c: duplicate key"),
        ('a:\n  x: 1\n  "x": 2\n', "a.x: duplicate key"),
        ("a:\n  true: 1\n", "a.True: line 2: a mapping key must be a string"),
        (BILLION_LAUGHS, "line 2: YAML aliases (*a) are not allowed"),
        ("a: &x 1\nb: *x\n", "line 2: YAML aliases (*x) are not allowed"),
        ("base: {x: 1}\nother:\n  <<: {y: 2}\n", "line 3: YAML merge keys (<<) are not allowed"),
        ("a: !!python/object/apply:os.system [true]\n", "YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed"),
        ("a: !!binary aGVsbG8=\n", "YAML tag tag:yaml.org,2002:binary is not allowed"),
        ("a: !custom x\n", "YAML tag !custom is not allowed"),
        ("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", f"nesting deeper than {MAX_DEPTH} levels"),
        ("port: .nan\n", "line 1: '.nan' is not a finite number"),
        ("port: -.inf\n", "line 1: '-.inf' is not a finite number"),
        ("- a\n- b\n", "must be a YAML mapping at the top level, got a list"),
        ("1: x\n", "1: line 1: a mapping key must be a string"),
        ("? [a, b]\n: x\n", "a mapping key must be a plain scalar"),
        ("a: [\n", "line 2: not valid YAML"),
        (b"a: caf\xe9\n", "line 1: not valid UTF-8 (byte 0xe9)"),
        ("a: x\n".encode("utf-16"), "line 1: not valid UTF-8"),
        (b"a: " + b"x" * MAX_FILE_BYTES, "is larger than 64 KiB"),
    ],
)
def test_a_hostile_file_is_refused_with_one_line(tmp_path: Path, content: str | bytes, message: str) -> None:
    with pytest.raises(UserFileError) as refused:
        read(tmp_path, content)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith(str(tmp_path / "values.yaml") + ": ")


def test_plain_data_is_read_as_helm_would(tmp_path: Path) -> None:
    assert read(tmp_path, "tag: 2024-01-01\nport: 8080\nenabled: yes\nempty:\n") == {
        "tag": "2024-01-01",
        "port": 8080,
        "enabled": True,
        "empty": None,
    }
    assert read(tmp_path, "") == {}
    assert read(tmp_path, b"a: " + b"x" * (MAX_FILE_BYTES - 4) + b"\n") == {"a": "x" * (MAX_FILE_BYTES - 4)}


def test_only_regular_files_inside_the_root_are_read(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "inside.yaml").write_text("a: 1\n")
    (tmp_path / "outside.yaml").write_text("a: 2\n")
    (root / "link-inside.yaml").symlink_to("inside.yaml")
    (root / "link-outside.yaml").symlink_to(tmp_path / "outside.yaml")
    (root / "link-device.yaml").symlink_to("/dev/zero")
    (root / "broken.yaml").symlink_to("nowhere.yaml")
    (root / "folder.yaml").mkdir()
    assert read_user_yaml(root / "link-inside.yaml", root) == {"a": 1}
    for name, message in [
        ("link-outside.yaml", "outside"),
        ("link-device.yaml", "outside"),
        ("broken.yaml", "does not exist or is a broken or looping symlink"),
        ("folder.yaml", "is a directory"),
    ]:
        with pytest.raises(UserFileError, match=message):
            read_user_yaml(root / name, root)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=200), st.text(alphabet=":-[]{}&*!|>'\"#%@`,?\n abc01\t\\", max_size=120)))
def test_any_bytes_are_read_or_refused_with_one_line(tmp_path: Path, content: bytes | str) -> None:
    try:
        data = read(tmp_path, content)
    except UserFileError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(data, dict)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(SERVICES_DIR, tmp_path / "services")
    shutil.copytree(ENVIRONMENTS_DIR, tmp_path / "environments")
    return tmp_path


@pytest.mark.parametrize("name", ["values-dev.yml", "service.yml", "values-develop.yaml", "notes.txt", "values.yaml.bak"])
def test_a_file_the_platform_would_ignore_is_refused_naming_the_expected_files(repo: Path, name: str) -> None:
    (repo / "services" / "payment" / name).write_text("autoscaling: {minReplicas: 9}\n")
    with pytest.raises(ConfigError) as refused:
        load_environment("dev", environments_dir=repo / "environments", services_dir=repo / "services")
    assert str(refused.value) == (
        f"{repo}/services/payment/{name}: unexpected file; a service folder holds only service.yaml, values.yaml, "
        "values-dev.yaml, values-local.yaml, values-prod.yaml, values-staging.yaml"
    )


def test_a_service_folder_needs_its_service_file(repo: Path) -> None:
    (repo / "services" / "payment" / "service.yaml").unlink()
    with pytest.raises(ConfigError, match=r"services/payment/service.yaml: missing"):
        load_environment("dev", environments_dir=repo / "environments", services_dir=repo / "services")
