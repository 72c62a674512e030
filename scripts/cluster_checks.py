"""`make cluster-checks`: the kubectl-level checks against a live cluster, or one line on why none ran.

    KUBECONFIG=./kubeconfig TAP_ENV=prod TAP_OUTPUTS_FILE=platform-outputs.json make cluster-checks

The checks (tests/integration/test_cluster.py) skip without a cluster, because `make local` runs
them on the emulator, where there is none. Run by an operator, a run where every check skipped
would be a green run that checked nothing. So before pytest starts, this asks for what the
checks need: KUBECONFIG naming a kubeconfig, TAP_OUTPUTS_FILE naming the platform's outputs, and
an API server that answers (a 10 s bound, one attempt). Afterwards, a run in which no check
passed or failed is a failure too.

Exit status: pytest's own when checks ran (0 all passed, 1 one failed), 2 when nothing could be
checked (one line on stderr saying why).
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

CHECKS = "tests/integration/test_cluster.py"
README = "docs/operators.md"
PROBE_SECONDS = 10


class NothingChecked(Exception):
    """No check can run; the message says why, in one line."""


def _file_from(variable: str, what: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        raise NothingChecked(f"{variable} is not set: point it at {what} ({README})")
    path = Path(value)
    if not path.is_file():
        raise NothingChecked(f"{variable}={value} is not a file: point it at {what} ({README})")
    return path


def probe_cluster(kubeconfig: Path) -> None:
    """The API server answers `GET /version` with these credentials, within PROBE_SECONDS, at the first attempt."""
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException

    configuration = client.Configuration()
    try:
        config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    except (ConfigException, OSError, ValueError) as error:
        raise NothingChecked(f"KUBECONFIG={kubeconfig} cannot be used: {_one_line(error)}") from None
    configuration.retries = 0
    server, where = configuration.host, f"KUBECONFIG={kubeconfig}"
    try:
        with client.ApiClient(configuration) as api:
            client.VersionApi(api).get_code(_request_timeout=PROBE_SECONDS)
    except ApiException as error:
        if error.status in (401, 403):
            raise NothingChecked(f"the cluster at {server} refused the credentials in {where} (HTTP {error.status})") from None
        raise NothingChecked(f"the cluster at {server} answered HTTP {error.status} {error.reason} to GET /version") from None
    except Exception as error:  # urllib3's connection errors, TLS errors, an exec credential plugin failing
        raise NothingChecked(f"cannot reach the cluster's API server at {server} (from {where}): {_one_line(error)}") from None


def _one_line(error: BaseException) -> str:
    """The operating system's reason when there is one ("[Errno 111] Connection refused"), else the message, on one line."""
    said = " ".join(str(error).split()) or type(error).__name__
    errno = re.search(r"\[Errno -?\d+\] [^'\")]+", said)
    if errno:
        return errno.group(0)
    return said if len(said) <= 300 else said[:297] + "..."


class Outcomes:
    """A pytest plugin counting what each check did, and why checks were skipped."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.skip_reasons: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.counts[report.outcome] += 1
            if report.skipped and isinstance(report.longrepr, tuple):
                self.skip_reasons.add(str(report.longrepr[2]).removeprefix("Skipped: "))


def verdict(exit_code: int, outcomes: Outcomes) -> tuple[int, str | None]:
    """pytest's exit status, unless no check ran: then 2 and why."""
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return int(exit_code), None
    if outcomes.counts["passed"] or outcomes.counts["failed"]:
        return int(exit_code), None
    skipped = outcomes.counts["skipped"]
    why = "; ".join(sorted(outcomes.skip_reasons)) or "no check was collected"
    return 2, f"nothing was checked: {skipped} cluster checks skipped ({why})"


def main(argv: list[str]) -> int:
    try:
        kubeconfig = _file_from("KUBECONFIG", "a kubeconfig for the deployed cluster (aws eks update-kubeconfig --kubeconfig ...)")
        _file_from("TAP_OUTPUTS_FILE", "`terraform output -json` of the platform stack")
        probe_cluster(kubeconfig)
    except NothingChecked as error:
        print(f"error: nothing was checked: {error}", file=sys.stderr)
        return 2
    return run_checks(argv)


def run_checks(argv: list[str]) -> int:
    """The checks under pytest; a run in which every check skipped exits 2, saying why."""
    outcomes = Outcomes()
    code, message = verdict(pytest.main([CHECKS, "-v", "-rs", "-p", "no:cacheprovider", *argv], plugins=[outcomes]), outcomes)
    if message:
        print(f"error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
