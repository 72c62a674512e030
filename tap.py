#!/usr/bin/env python3
"""Synthesizes one environment's platform and workloads stacks into cdktf.out/.

    python tap.py [ENVIRONMENT]        # or TAP_ENV=ENVIRONMENT; default: dev

Configuration errors print one line (file, field, rule) and exit 2; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import os
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
    _environment = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TAP_ENV", "dev")
    requirements.exit_if_unmet(["python", "packages", "node"], retry=f"make synth ENV={_environment}")

from app.synthesis import SynthFailed, synthesize
from app_support.process_lifetime import Interrupted, raise_on_signals
from config.eks_versions import creation_error, support_warning
from config.examples import elastic_ip_warnings, synth_warnings
from config.loader import ConfigError, load_all_environments, load_environment
from config.model import EnvironmentConfig

DEFAULT_ENVIRONMENT = "dev"
# The cdktf CLI tells the app where to write through CDKTF_OUTDIR; plain `python tap.py` uses cdktf.out/.
OUTPUT = Path(os.environ.get("CDKTF_OUTDIR") or Path(__file__).resolve().parent / "cdktf.out")
OUTDIR = OUTPUT.resolve()


def checks_alongside_synthesis(config: EnvironmentConfig) -> None:
    """What can be checked while the stacks are synthesized; an error stops both, nothing is written."""
    from workloads.service_chart import check_all_service_values  # loads the Helm engine: only after forking

    # The values first: a values error is the likelier one, and it stops the synth processes sooner.
    check_all_service_values(config)
    configs = load_all_environments()  # every environment file valid, VPC ranges disjoint
    for line in elastic_ip_warnings(configs, involving=config.name):
        console.warning(line)


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
    environment = argv[1] if len(argv) > 1 else os.environ.get("TAP_ENV", DEFAULT_ENVIRONMENT)
    started = time.perf_counter()
    raise_on_signals()
    try:
        config = load_environment(environment)
        if OUTPUT.is_symlink():
            raise ConfigError(f"{OUTPUT.name}: is a symlink (to {OUTDIR}); remove it: the stacks are written into {OUTPUT.name}/ itself")
        if OUTPUT.exists() and not OUTPUT.is_dir():
            raise ConfigError(f"{OUTPUT.name}: exists and is not a directory; remove it (the stacks are written into {OUTPUT.name}/)")
        refused = creation_error(config.kubernetes_version, dt.date.today(), config_file=f"config/environments/{environment}.yaml")
        if refused:
            raise ConfigError(refused)
        warning = support_warning(config.kubernetes_version, dt.date.today())
        # What the deployer must still replace before a real apply: in full under the cdktf CLI (its
        # deploy runs this synth), else counted in one line (`make warnings ENV=...` lists them).
        for line in [*([warning] if warning else []), *synth_warnings(config, in_full=console.under_cdktf_cli())]:
            console.warning(line)
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
