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

from app_support.process_lifetime import Interrupted, raise_on_signals
from app_support.synthesis import SynthFailed, synthesize
from config.eks_versions import support_warning
from config.loader import ConfigError, load_all_environments, load_environment
from config.model import EnvironmentConfig

DEFAULT_ENVIRONMENT = "dev"
# The cdktf CLI tells the app where to write through CDKTF_OUTDIR; plain `python tap.py` uses cdktf.out/.
OUTDIR = Path(os.environ.get("CDKTF_OUTDIR") or Path(__file__).resolve().parent / "cdktf.out").resolve()


def checks_alongside_synthesis(config: EnvironmentConfig) -> None:
    """What can be checked while the stacks are synthesized; an error stops both, nothing is written."""
    load_all_environments()  # every environment file valid, VPC ranges disjoint
    from workloads.service_chart import check_all_service_values  # loads the Helm engine: only after forking

    check_all_service_values(config)


def main(argv: list[str]) -> int:
    environment = argv[1] if len(argv) > 1 else os.environ.get("TAP_ENV", DEFAULT_ENVIRONMENT)
    started = time.perf_counter()
    raise_on_signals()
    try:
        config = load_environment(environment)
        warning = support_warning(config.kubernetes_version, dt.date.today())
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        stacks = synthesize(config, OUTDIR, while_running=lambda: checks_alongside_synthesis(config))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SynthFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Interrupted as signal_received:
        print(f"interrupted ({signal_received})", file=sys.stderr)
        return signal_received.exit_status
    elapsed = time.perf_counter() - started
    print(f"synthesized {', '.join(stacks)} into {OUTDIR.name}/ in {elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
