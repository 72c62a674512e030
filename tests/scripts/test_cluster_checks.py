"""`make cluster-checks` without a cluster: one line on why nothing was checked, exit status 2, never a green run."""

from __future__ import annotations

import http.server
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from scripts.cluster_checks import main
from tests.conftest import REPO_ROOT


def kubeconfig(tmp_path: Path, server: str) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "eks", "cluster": {"server": server}}],
                "users": [{"name": "operator", "user": {"token": "made-up"}}],
                "contexts": [{"name": "eks", "context": {"cluster": "eks", "user": "operator"}}],
                "current-context": "eks",
            }
        )
    )
    return path


@pytest.fixture
def operator_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An operator's shell with the platform's outputs at hand and no KUBECONFIG yet."""
    outputs = tmp_path / "platform-outputs.json"
    outputs.write_text("{}")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("TAP_OUTPUTS_FILE", str(outputs))
    return outputs


@pytest.fixture
def api_server_refusing_everyone() -> Iterator[str]:
    """A server that answers like an API server given a token it does not accept."""

    class Unauthorized(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(401, "Unauthorized")
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}')

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def only_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    (line,) = capsys.readouterr().err.splitlines()
    return line


def test_without_kubeconfig_nothing_is_checked_and_it_says_so(operator_env, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert only_error_line(capsys).startswith("error: nothing was checked: KUBECONFIG is not set: point it at a kubeconfig")


def test_a_kubeconfig_that_is_not_there_is_named(operator_env, monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))

    assert main([]) == 2
    assert only_error_line(capsys).startswith(f"error: nothing was checked: KUBECONFIG={tmp_path / 'kubeconfig'} is not a file")


def test_without_the_platform_outputs_nothing_is_checked(operator_env, monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path, "https://127.0.0.1:1")))
    monkeypatch.delenv("TAP_OUTPUTS_FILE")

    assert main([]) == 2
    assert only_error_line(capsys).startswith("error: nothing was checked: TAP_OUTPUTS_FILE is not set")


def test_an_unreachable_cluster_is_one_line(operator_env, monkeypatch, tmp_path: Path, capsys) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the check runs: nothing listens there
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path, f"https://127.0.0.1:{port}")))

    assert main([]) == 2
    assert only_error_line(capsys) == (
        f"error: nothing was checked: cannot reach the cluster's API server at https://127.0.0.1:{port} "
        f"(from KUBECONFIG={tmp_path / 'kubeconfig'}): [Errno 111] Connection refused"
    )


def test_a_cluster_refusing_the_credentials_is_one_line(
    operator_env, monkeypatch, tmp_path: Path, api_server_refusing_everyone: str, capsys
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path, api_server_refusing_everyone)))

    assert main([]) == 2
    assert only_error_line(capsys) == (
        f"error: nothing was checked: the cluster at {api_server_refusing_everyone} refused the credentials "
        f"in KUBECONFIG={tmp_path / 'kubeconfig'} (HTTP 401)"
    )


@pytest.mark.slow
def test_a_run_in_which_every_check_skipped_is_not_green() -> None:
    """The guard after pytest, on its own: the real checks, run without a cluster, all skip; that run exits 2."""
    env = {name: value for name, value in os.environ.items() if name not in ("KUBECONFIG", "TAP_OUTPUTS_FILE")}
    command = [sys.executable, "-c", "import sys; from scripts.cluster_checks import run_checks; sys.exit(run_checks(['-q']))"]

    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)

    assert result.returncode == 2, result.stdout[-2000:]
    (line,) = result.stderr.splitlines()
    assert re.match(r"error: nothing was checked: [1-9]\d* cluster checks skipped \(no cluster: set KUBECONFIG", line), line
