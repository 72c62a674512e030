"""Shared fixtures. Each environment is synthesized once per session, in this process.

Importing the provider bindings costs seconds, so no test builds its own App: tests read
the JSON these fixtures produced.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from config.loader import SERVICES_DIR, ConfigError, environment_names, load_all_environments, load_environment
from config.model import EnvironmentConfig
from tests.repo_copy import copy_sources
from workloads.service_chart import check_services

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = environment_names()

# No timing assertions in tests (make bench measures speed): Hypothesis's default 200 ms deadline
# per example failed `make test` in .ci/run on the loaded 2-core machine.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")


@dataclass(frozen=True)
class Synthesized:
    config: EnvironmentConfig
    platform: dict[str, Any]
    workloads: dict[str, Any]
    outdir: Path

    def resources(self, stack: str, kind: str) -> dict[str, dict[str, Any]]:
        return getattr(self, stack).get("resource", {}).get(kind, {})

    def data(self, stack: str, kind: str) -> dict[str, dict[str, Any]]:
        return getattr(self, stack).get("data", {}).get(kind, {})


def synthesize(config: EnvironmentConfig, outdir: Path, services_dir: Path = SERVICES_DIR) -> Synthesized:
    from cdktf import App

    from eks_platform.stack import PlatformStack
    from workloads.stack import WorkloadsStack

    app = App(outdir=str(outdir))
    platform = PlatformStack(app, config)
    workloads = WorkloadsStack(app, config, services_dir=services_dir)
    app.synth()

    def read(stack: Any) -> dict[str, Any]:
        return json.loads((outdir / "stacks" / stack.node.id / "cdk.tf.json").read_text())

    return Synthesized(config, read(platform), read(workloads), outdir)


def stop_on_bad_input(error: ConfigError) -> None:
    """A bad configuration or values file stops the whole session with its one line, not a
    traceback repeated by every test that uses the fixture."""
    pytest.exit(f"error: {error}", returncode=2)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Every environment and service file is valid before any test runs; otherwise the session
    ends with the loader's one line (file, field, rule)."""
    try:
        load_all_environments()
    except ConfigError as error:
        stop_on_bad_input(error)


@pytest.fixture(scope="session")
def configs() -> dict[str, EnvironmentConfig]:
    try:
        return {name: load_environment(name) for name in ENVIRONMENTS}
    except ConfigError as error:
        stop_on_bad_input(error)
        raise


@pytest.fixture(scope="session")
def synthesized(configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    root = tmp_path_factory.mktemp("synth")
    try:
        return {name: synthesize(config, root / name) for name, config in configs.items()}
    except ConfigError as error:  # a values file the chart refuses
        stop_on_bad_input(error)
        raise


@pytest.fixture(params=ENVIRONMENTS)
def env(request: pytest.FixtureRequest, synthesized: dict[str, Synthesized]) -> Synthesized:
    """Each environment in turn."""
    return synthesized[request.param]


FOURTH_SERVICE = "ledger"


def copy_of_services(tmp: Path) -> Path:
    """A scratch copy of services/ under `tmp`, for a test that adds or edits services."""
    services = tmp / "services"
    shutil.copytree(SERVICES_DIR, services)
    return services


@pytest.fixture
def services_copy(tmp_path: Path) -> Path:
    return copy_of_services(tmp_path)


@pytest.fixture(scope="session")
def onboarded(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """dev, with a fourth service added as data only: a folder with service.yaml and values."""
    services = tmp_path_factory.mktemp("services")
    for folder in SERVICES_DIR.iterdir():
        shutil.copytree(folder, services / folder.name)
    ledger = services / FOURTH_SERVICE
    ledger.mkdir()
    (ledger / "service.yaml").write_text(
        "namespace: ledger\nservice_account: ledger-api\nrepository: ledger\npermissions:\n  dynamodb_tables: [ledger-entries]\n"
        # a partner's API outside AWS: the one kind of internet egress a service may declare
        "egress:\n  - cidr: 203.0.113.0/24\n    ports: [443, 8443]\n"
    )
    values = yaml.safe_load((SERVICES_DIR / "payment" / "values.yaml").read_text())
    values["ingress"]["path"] = "/ledger"  # a path of its own on the shared load balancer
    (ledger / "values.yaml").write_text(yaml.safe_dump(values))
    config = load_environment("dev", services_dir=services)
    return synthesize(config, tmp_path_factory.mktemp("onboarded"), services_dir=services)


@pytest.fixture(scope="session")
def rendered(configs: dict[str, EnvironmentConfig]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(environment, service) -> the manifests of that release, parsed."""
    result = {}
    for env, config in configs.items():
        try:
            checked = check_services(config, config.services)
        except ConfigError as error:
            stop_on_bad_input(error)
            raise
        for name, files in checked.manifests.items():
            result[(env, name)] = [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]
    return result


@pytest.fixture(scope="session")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the repository's sources, for tests that edit configuration and run tap.py."""
    target = copy_sources(REPO_ROOT, tmp_path_factory.mktemp("repo") / "repo")
    yield target


@pytest.fixture(scope="session")
def bad_input_runs(repo_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future]]:
    """Every case of the bad-input corpus (tests/test_bad_inputs.py), submitted to as many threads as there are
    cores: each is a `tap.py` process in its own copy of the repository."""
    from tests.test_bad_inputs import CASES, run_case

    root = tmp_path_factory.mktemp("bad_inputs")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        try:
            yield {case.stem: pool.submit(run_case, case, repo_copy, root) for case in CASES}
        finally:
            pool.shutdown(cancel_futures=True)  # a session stopped early waits only for the cases under way


@pytest.fixture(scope="session", autouse=True)
def start_the_bad_input_corpus(request: pytest.FixtureRequest) -> None:
    """The corpus is a third of `make test`'s CPU, all of it in `tap.py` processes, while most other tests use one
    core in this process: when the session includes the corpus, its cases start with the first test and run
    alongside, and the corpus's tests collect their outcomes."""
    if any(item.path.name == "test_bad_inputs.py" for item in request.session.items):
        request.getfixturevalue("bad_input_runs")


@dataclass(frozen=True)
class TapRun:
    """One `python tap.py ENVIRONMENT` run as the cdktf CLI runs it (CDKTF_OUTDIR set), and the manifest it left."""

    result: subprocess.CompletedProcess[str]
    manifest: dict[str, Any]


@dataclass(frozen=True)
class SynthsIntoOneFolder:
    outdir: Path
    local: TapRun
    dev: TapRun  # with local's stacks, and an earlier, initialized tap-platform-dev (see the fixture), in the folder


STALE_STACK = '{"stale": "from an earlier synth"}'


def tap_under_the_cli(environment: str, outdir: Path) -> TapRun:
    env = {**os.environ, "CDKTF_OUTDIR": str(outdir)}
    result = subprocess.run([sys.executable, "tap.py", environment], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    manifest = outdir / "manifest.json"
    return TapRun(result, json.loads(manifest.read_text()) if manifest.is_file() else {})


@pytest.fixture(scope="session")
def synths_into_one_folder(tmp_path_factory: pytest.TempPathFactory) -> SynthsIntoOneFolder:
    """`tap.py local`, then `tap.py dev`, into one output folder that already holds dev's platform stack from an
    earlier synth, initialized (`.terraform/marker`). A subprocess synth costs seconds, so the tests of what the
    folder keeps and of what the app prints under the CLI share these two runs."""
    outdir = tmp_path_factory.mktemp("tap") / "out"
    earlier = outdir / "stacks" / "tap-platform-dev"
    (earlier / ".terraform").mkdir(parents=True)
    (earlier / ".terraform" / "marker").write_text("providers")
    (earlier / "cdk.tf.json").write_text(STALE_STACK)
    return SynthsIntoOneFolder(outdir, tap_under_the_cli("local", outdir), tap_under_the_cli("dev", outdir))
