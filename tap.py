#!/usr/bin/env python3
"""Synthesizes one environment's platform and workloads stacks into cdktf.out/.

    python tap.py [ENVIRONMENT]        # or TAP_ENV=ENVIRONMENT; default: dev

Configuration errors print one line (file, field, rule) and exit 2; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from pathlib import Path

# Node 20 is past its end of life; jsii says so in a ten-line banner on every run. The
# README records the Node requirement once instead.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from app_support import console, requirements  # the standard library only

if __name__ == "__main__":
    if "CDKTF_OUTDIR" in os.environ:  # run by the cdktf CLI, which shows the app's stderr as errors
        console.follow_cdktf_cli()
    # Before any third-party import: a missing package or tool is one line, not a traceback.
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        console.error("usage: python tap.py [ENVIRONMENT] (one environment name; every other argument is refused)")
        sys.exit(2)
    _environment = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TAP_ENV", "dev")
    _retry = f"make synth ENV={_environment}" if re.fullmatch(r"[a-z0-9-]{1,16}", _environment) else "make synth ENV=<environment>"
    requirements.exit_if_unmet(["python", "packages", "node"], retry=_retry)

from app.synthesis import SynthFailed, check_output_folder, check_output_location, synthesize
from app_support.process_lifetime import Interrupted, raise_on_signals
from app_support.stack_names import platform_stack_name, workloads_stack_name
from config.eks_versions import creation_error, support_warning
from config.examples import elastic_ip_warnings, synth_warnings
from config.loader import SERVICES_DIR, ConfigError, load_all_environments, load_environment
from config.model import EnvironmentConfig
from workloads.third_party_charts import vendoring_warning

DEFAULT_ENVIRONMENT = "dev"
# The cdktf CLI tells the app where to write through CDKTF_OUTDIR; plain `python tap.py` uses cdktf.out/.
OUTPUT = Path(os.environ.get("CDKTF_OUTDIR") or Path(__file__).resolve().parent / "cdktf.out")
OUTDIR = OUTPUT.resolve()


def checks_alongside_synthesis(config: EnvironmentConfig) -> None:
    """What can be checked while the stacks are synthesized (every service's values rendered by Helm: seconds at
    100 services); an error stops both, nothing is written."""
    from workloads.service_chart import check_all_service_values  # loads the Helm engine: only after forking

    check_all_service_values(config)


def refuse_before_forking(config: EnvironmentConfig, services_dir: Path = SERVICES_DIR) -> None:
    """A disagreement between services (quotas of the shared load balancers, overlapping routes) needs no synth:
    it is known from the configuration alone. The synth processes are then never started, so the refusal does not
    share two cores with them. The services the disagreement names are rendered first: one's own mistake is the
    more precise message, and fixing it may settle the disagreement (every other service is rendered once the
    disagreement is gone, beside the synth)."""
    from workloads.ingress_groups import IngressConflict, placements  # configuration only: no Helm engine, no node runtime

    try:
        placements(config, services_dir)
    except IngressConflict as conflict:
        from workloads.service_chart import check_configured_service  # nothing is forked after this

        for name in conflict.services:
            check_configured_service(config, name, services_dir)
        raise


def kept_note(written: list[str]) -> str:
    """Other environments' stacks stay in cdktf.out/ on purpose (plain `terraform` may use them): say so.
    The cdktf CLI removes them itself once the app is done."""
    if console.under_cdktf_cli():
        return ""
    kept = [path.name for path in (OUTDIR / "stacks").glob("*") if path.is_dir() and path.name not in written]
    if not kept:
        return ""
    return f" (also there from earlier synths: {len(kept)} other stack{'s' if len(kept) > 1 else ''}; `make clean` removes them)"


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        console.error("usage: python tap.py [ENVIRONMENT] (one environment name; every other argument is refused)")
        return 2
    environment = argv[1] if len(argv) > 1 else os.environ.get("TAP_ENV", DEFAULT_ENVIRONMENT)
    started = time.perf_counter()
    raise_on_signals()
    try:
        config = load_environment(environment)
        # Every environment file together (VPC ranges, suffixes, data and state locations) before the synth processes
        # start: configuration only (half a second at 100 services), so such a refusal never starts a node runtime.
        configs = load_all_environments(loaded={environment: config})
        # Before any work: a symlink or a file where the synth writes is refused, not written through.
        check_output_location(OUTPUT, Path(__file__).resolve().parent)
        check_output_folder(OUTPUT, [platform_stack_name(environment), workloads_stack_name(environment)])
        refused = creation_error(config.kubernetes_version, dt.date.today(), config_file=f"config/environments/{environment}.yaml")
        if refused:
            raise ConfigError(refused)
        warning = support_warning(config.kubernetes_version, dt.date.today())
        # What the deployer must still replace before a real apply: in full under the cdktf CLI (its
        # deploy runs this synth), else counted in one line (`make warnings ENV=...` lists them).
        # The workloads stack installs the third-party charts from charts/vendor/; `terraform plan` reads them there.
        unvendored = vendoring_warning() if config.emulator is None else None
        lines = [*([warning] if warning else []), *synth_warnings(config, in_full=console.under_cdktf_cli())]
        for line in [*lines, *elastic_ip_warnings(configs, involving=config.name), *([unvendored] if unvendored else [])]:
            console.warning(line)
        refuse_before_forking(config)
        stacks = synthesize(config, OUTDIR, while_running=lambda: checks_alongside_synthesis(config))
    except ConfigError as error:
        console.error(str(error))
        return 2
    except SynthFailed as error:
        console.error(str(error))
        return 1
    except Interrupted as signal_received:
        print(f"interrupted ({signal_received})", file=sys.stderr)
        return signal_received.exit_status
    elapsed = time.perf_counter() - started
    console.info(f"synthesized {', '.join(stacks)} into {OUTDIR.name}/ in {elapsed:.1f}s{kept_note(stacks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
