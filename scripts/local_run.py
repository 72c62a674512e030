"""`make local`: deploy the platform onto an embedded AWS emulator, check it, re-plan, destroy.

Steps: take the checkout's lock -> start moto on 127.0.0.1 (a free port) while the `local`
environment is synthesized -> terraform init and apply the platform stack -> the integration
checks and `terraform plan -detailed-exitcode` (no changes allowed), side by side -> destroy
-> nothing of ours may remain -> stop the emulator.

Faults: the first failure is the one reported, in one line, then the cleanup's outcome on a
line of its own. The emulator is watched; if it exits, the run stops at once and says so.
SIGINT/SIGTERM stop Terraform gracefully and tear down within a bound, or say what is left.

Exit status: 0 when every step passed, 1 when one failed, 2 for a configuration error or a
missing tool, 128+N when stopped by signal N (130 for Ctrl-C, 143 for SIGTERM).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from app_support.stack_names import platform_stack_name
from config.eks_versions import creation_error, support_warning
from config.loader import ConfigError, load_environment
from config.model import EnvironmentConfig
from scripts import child_process, plan_guard, terraform
from scripts.emulator import Emulator, EmulatorFailed
from scripts.leftovers import created_types, emulator_clients, leftovers, unlisted_types
from scripts.run_lock import LockHeld, checkout_lock
from scripts.run_report import EMULATOR_CREDENTIALS, Report, describe_os_error
from scripts.terraform import REPO_ROOT, STACKS_DIR, ToolMissing

ENVIRONMENT = "local"
STATE_DIR = REPO_ROOT / "terraform-state" / ENVIRONMENT
REPLAN_FILE = STATE_DIR / "replan.tfplan"
# The checks' own temporary folder: pytest clears only this one, never the shared pytest-of-<user> folder, where a
# session also deletes older sessions' folders (a make test's corpus copies took the checks minutes on a busy machine).
CHECKS_TEMP = STATE_DIR / "checks-tmp"
# A run writes state, logs and the synthesized stacks: a few MB. Below this, it would fail half-way.
MIN_FREE_MB = 20
DESTROY_SECONDS = 300
# After Ctrl-C/SIGTERM the user is waiting: the teardown gets this long, then what is left is named.
INTERRUPTED_DESTROY_SECONDS = 30


class RunFailed(Exception):
    """A step failed; the message is the one-line cause."""


class Signals:
    """Records SIGINT/SIGTERM instead of raising, so every wait decides how to stop its child."""

    def __init__(self) -> None:
        self.first: signal.Signals | None = None
        self.count = 0
        self.at = 0.0
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._received)

    def _received(self, number: int, _frame: object) -> None:
        self.count += 1
        if self.first is None:
            self.first, self.at = signal.Signals(number), time.monotonic()
        # os.write, not print: the handler may run in the middle of another print.
        os.write(2, f"\n{signal.Signals(number).name} received: stopping{' now, without teardown' if self.count > 1 else ''}\n".encode())


class LocalRun:
    def __init__(self, config: EnvironmentConfig, signals: Signals) -> None:
        self.config = config
        self.signals = signals
        self.stack_dir = STACKS_DIR / platform_stack_name(ENVIRONMENT)
        self.state_file = STATE_DIR / "platform.tfstate"
        self.report = Report()
        self.emulator: Emulator | None = None
        self.env: dict[str, str] = {}
        self.support_warning = ""
        self.state_is_ours = False  # until the stale state of an earlier run is removed

    # --- stopping -----------------------------------------------------------------------
    def stop_reason(self, step: str, *, teardown: bool = False) -> str | None:
        first = self.signals.first
        if first and (not teardown or self.signals.count > 1):
            return f"interrupted by {first.name} during {step}"
        if first and time.monotonic() - self.signals.at > INTERRUPTED_DESTROY_SECONDS:
            return f"{step} did not finish within {INTERRUPTED_DESTROY_SECONDS} s of {first.name}"
        return self.emulator.died(step) if self.emulator else None

    def run(self, step: str, *commands: tuple[list[str], Path, dict[str, str]], teardown: bool = False, timeout: float | None = None):
        try:
            return child_process.run_together(commands, should_stop=lambda: self.stop_reason(step, teardown=teardown), timeout=timeout)
        except child_process.Stopped as stopped:
            # A stop reason names its step already ("interrupted by X during <step>", "<step> did not finish ..."):
            # only a bare reason (a timeout of the child itself) gets the step in front.
            reason = str(stopped)
            raise RunFailed(reason if "during" in reason or reason.startswith(step) else f"{step} {reason}") from None

    def terraform_command(self, *args: str) -> tuple[list[str], Path, dict[str, str]]:
        return [terraform.terraform_binary(), *args], self.stack_dir, terraform.environment(self.env)

    def check(self, step: str, result: child_process.Finished) -> child_process.Finished:
        if result.returncode != 0:
            died = self.emulator.died(step) if self.emulator else None
            raise RunFailed(died or terraform.describe_failure(result.command, result.returncode, result.stdout, result.stderr))
        return result

    # --- the steps ----------------------------------------------------------------------
    def prepare(self) -> None:
        for directory in (STATE_DIR, STACKS_DIR.parent.parent):
            free_mb = shutil.disk_usage(directory).free // 2**20
            if free_mb < MIN_FREE_MB:
                raise RunFailed(f"no space left on device: {directory} has {free_mb} MB free; make local needs {MIN_FREE_MB} MB")
        # The emulator starts empty every run, so earlier local state is stale (we hold the lock:
        # no other run is using it).
        for stale in STATE_DIR.glob("platform.tfstate*"):
            stale.unlink()
        self.state_is_ours = True

    def deploy_and_check(self) -> None:
        with self.report.step("start the AWS emulator (moto) and synthesize the local environment") as notes:
            self.emulator = Emulator(STATE_DIR / "moto.log")
            synth = self.run("synthesis", ([sys.executable, "tap.py", ENVIRONMENT], REPO_ROOT, dict(os.environ)))[0]
            for line in synth.stderr.splitlines():
                if line.startswith("warning: ") and line != self.support_warning:  # that one was shown first
                    print(f"    {line}", flush=True)
            if synth.returncode != 0:
                errors = [line for line in synth.stderr.splitlines() if line.startswith("error: ")]
                said = errors or synth.stderr.strip().splitlines() or ["synthesis failed with no output"]
                raise RunFailed(said[-1].removeprefix("error: "))
            self.emulator.wait_until_ready()
            notes.append(f"emulator at {self.emulator.endpoint}")
            notes.append(synth.stdout.strip().splitlines()[-1])
        self.env = {**EMULATOR_CREDENTIALS, "AWS_REGION": self.config.region, "TF_VAR_emulator_endpoint": self.emulator.endpoint}
        # Each terraform command starts the AWS provider, which builds its schema (~1,500 resource
        # types) first: a burst of allocation. Collecting garbage less often (Go's GOGC, default
        # 100) cut that start's CPU time by about a fifth here; the run is short-lived.
        self.env.setdefault("GOGC", os.environ.get("GOGC", "400"))
        with self.report.step("terraform init"):
            init_args = ["init", "-input=false", "-no-color"]
            mirror = terraform.plugin_dir()
            if mirror is not None:
                init_args.append(f"-plugin-dir={mirror}")
            self.check("terraform init", self.run("terraform init", self.terraform_command(*init_args))[0])
        with self.report.step("terraform apply") as notes:
            apply = self.run("terraform apply", self.terraform_command("apply", "-auto-approve", "-input=false", "-json"))[0]
            self.save_log("apply", apply)
            self.check("terraform apply", apply)
            notes.append(f"{len(self.resources_in_state())} resources created")
            output = self.check("terraform output", self.run("terraform output", self.terraform_command("output", "-json"))[0])
            outputs_file = STATE_DIR / "platform-outputs.json"
            outputs_file.write_text(output.stdout)
        with self.report.step("integration checks | re-plan: nothing may change") as notes:
            checks_env = {**os.environ, **self.env, "AWS_ENDPOINT_URL": self.emulator.endpoint}
            checks_env.update(TAP_OUTPUTS_FILE=str(outputs_file), TAP_ENV=ENVIRONMENT)
            pytest = [
                sys.executable,
                "-m",
                "pytest",
                "tests/integration",
                "-q",
                "-rs",
                "-p",
                "no:cacheprovider",
                "--no-header",
                f"--basetemp={CHECKS_TEMP}",
            ]
            # Both only read the emulator. The plan refreshes every resource: it is what proves
            # that nothing drifted and nothing would change.
            checks, plan = self.run(
                "integration checks and re-plan",
                (pytest, REPO_ROOT, checks_env),
                self.terraform_command("plan", "-detailed-exitcode", "-input=false", "-no-color", f"-out={REPLAN_FILE}"),
            )
            notes.append(self.integration_summary(checks))
            if plan.returncode == 2:
                print(plan.stdout[-6000:])
                raise RunFailed("the plan after apply is not empty: a perpetual diff (the plan is printed above)")
            self.check("terraform plan", plan)
            notes.append("plan: no changes")
            # The plan guard of protected environments (scripts/plan_guard.py) on Terraform's own JSON of this plan.
            shown = self.check("terraform show", self.run("terraform show", self.terraform_command("show", "-json", str(REPLAN_FILE)))[0])
            lost = plan_guard.losses(json.loads(shown.stdout))
            if lost:
                raise RunFailed(f"the plan guard names {len(lost)} guarded resource(s) the re-plan would delete: {lost[0]}")
            notes.append("plan guard: no guarded resource deleted or replaced")

    @staticmethod
    def integration_summary(checks: child_process.Finished) -> str:
        lines = checks.stdout.strip().splitlines()
        last = lines[-1].strip("= ") if lines else "no output"
        if checks.returncode != 0:
            print(checks.stdout[-4000:])
            raise RunFailed(f"integration checks failed: {last}")
        # Why checks were skipped (`-rs`): "SKIPPED [6] tests/...: no cluster: set KUBECONFIG ...".
        reasons = sorted({line.split(": ", 1)[1] for line in lines if line.startswith("SKIPPED") and ": " in line})
        return last + "".join(f" (skipped: {reason})" for reason in reasons)

    def teardown(self) -> str:
        """Destroys what the state lists; returns the outcome in one line (raises RunFailed if it failed)."""
        remaining = self.resources_in_state() if self.state_is_ours else []
        if not remaining:
            return "nothing was created, nothing to destroy"
        where = self.state_file.relative_to(REPO_ROOT)
        if self.emulator is None or not self.emulator.alive:
            return (
                f"not destroyed: the emulator is gone, and with it the {len(remaining)} resources it held (it keeps nothing on disk); "
                f"their stale state is in {where}, which the next run removes"
            )
        with self.report.step("terraform destroy and the leftovers check") as notes:
            # No refresh: the re-plan (or the apply) just read every resource, and the leftovers
            # check below asks the emulator itself whether anything is left.
            destroy_command = self.terraform_command("destroy", "-auto-approve", "-input=false", "-json", "-refresh=false")
            try:
                destroy = self.run("terraform destroy", destroy_command, teardown=True, timeout=DESTROY_SECONDS)[0]
            except RunFailed as stopped:
                left = len(self.resources_in_state())
                raise RunFailed(
                    f"{stopped}; {left} resources were left in the emulator, which is now stopped with everything it held; "
                    f"their stale state is in {where}, which the next run removes"
                ) from None
            if destroy.returncode != 0 and self.emulator.alive:
                # moto 5.2.5 sometimes loses a security group rule while revoking a sibling of it, so the
                # destroy (without refresh) finds one gone and stops. A second pass refreshes first, drops
                # what the emulator no longer has, and destroys the rest; the leftovers check below still
                # asks the emulator itself. The first error is kept in the summary, never hidden.
                first = terraform.describe_failure(destroy.command, destroy.returncode, destroy.stdout, destroy.stderr)
                notes.append(f"a second destroy pass (with refresh) after: {first.splitlines()[0] if first else 'a failed first pass'}")
                self.save_log("destroy-first-pass", destroy)
                second_command = self.terraform_command("destroy", "-auto-approve", "-input=false", "-json")
                destroy = self.run("terraform destroy (second pass)", second_command, teardown=True, timeout=DESTROY_SECONDS)[0]
            self.save_log("destroy", destroy)
            self.check("terraform destroy", destroy)
            # Every resource type the stack creates is listed (scripts/leftovers.py, unit-tested on the synthesized stack).
            stack = json.loads((self.stack_dir / "cdk.tf.json").read_text())
            unlisted = unlisted_types(stack)
            if unlisted:
                raise RunFailed(f"the leftovers check cannot list {', '.join(unlisted)}: add each to scripts/leftovers.py LISTINGS")
            clients = emulator_clients(self.emulator.endpoint, self.config.region, EMULATOR_CREDENTIALS)
            left = leftovers(clients, created_types(stack))
            if left:
                raise RunFailed(f"left behind after destroy: {', '.join(left)}")
            notes.append("nothing of ours left in the emulator")
        return f"destroyed all {len(remaining)} resources; nothing of ours left in the emulator"

    # --- helpers ------------------------------------------------------------------------
    def resources_in_state(self) -> list[str]:
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return []
        return [f"{r['type']}.{r['name']}" for r in state.get("resources", []) if r.get("mode") == "managed"]

    def save_log(self, name: str, result: child_process.Finished) -> None:
        """Keeps Terraform's JSON output (per-resource timings; see docs/performance.md); best effort."""
        with contextlib.suppress(OSError):
            (STATE_DIR / f"{name}.jsonl").write_text(result.stdout)


def main() -> int:
    started = time.perf_counter()
    signals = Signals()
    try:
        config = load_environment(ENVIRONMENT)
        terraform.terraform_binary()
    except (ConfigError, ToolMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    refused = creation_error(config.kubernetes_version, dt.date.today(), config_file=f"config/environments/{ENVIRONMENT}.yaml")
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    warning = support_warning(config.kubernetes_version, dt.date.today())
    if warning:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    mirror = terraform.plugin_dir()
    print(f"Terraform providers: {'local mirror ' + str(mirror) if mirror else 'downloaded from the registry (no local mirror found)'}")
    print("Left out on the emulator (it lacks these APIs; nothing is faked):")
    for feature, reason in config.emulator.omit.items() if config.emulator else []:
        print(f"  - {feature.value}: {reason}")
    try:
        with checkout_lock(STATE_DIR / "run.lock"):
            run = LocalRun(config, signals)
            run.support_warning = f"warning: {warning}" if warning else ""
            failure = cleanup = None
            try:
                run.prepare()
                run.deploy_and_check()
            except (RunFailed, EmulatorFailed) as error:
                failure = str(error)
            except OSError as error:
                failure = describe_os_error(error)
            try:
                cleanup = run.teardown()
            except (RunFailed, EmulatorFailed) as error:
                cleanup = str(error)
                failure = failure or cleanup
            except Exception as error:
                cleanup = f"{type(error).__name__}: {error}"
                failure = failure or cleanup
            finally:
                if run.emulator is not None:
                    run.emulator.stop()
    except LockHeld as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"FAILED: {describe_os_error(error)}", file=sys.stderr)
        return 1
    print(run.report.summary(time.perf_counter() - started))
    if signals.first and failure is None:
        failure = f"interrupted by {signals.first.name}"
    if failure:
        print(f"\nFAILED: {failure}", file=sys.stderr)
        outcome = "the destroy failed, as above" if cleanup == failure else cleanup or "nothing to clean up"
        print(f"cleanup: {outcome}; emulator stopped", file=sys.stderr)
        return 128 + signals.first.value if signals.first else 1
    print(f"cleanup: {cleanup}; emulator stopped")
    print("\nThe platform deployed, passed its checks, re-planned clean and was destroyed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
