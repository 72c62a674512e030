"""`python tap.py`: both stacks from two processes, merged as one cdktf App would write them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SynthsIntoOneFolder

pytestmark = pytest.mark.slow


def test_tap_writes_both_stacks_and_keeps_initialized_working_directories(synths_into_one_folder: SynthsIntoOneFolder) -> None:
    outdir = synths_into_one_folder.outdir
    first = synths_into_one_folder.local.result
    assert first.returncode == 0, first.stderr
    manifest = synths_into_one_folder.local.manifest
    assert set(manifest["stacks"]) == {"tap-platform-local", "tap-workloads-local"}
    for entry in manifest["stacks"].values():
        assert (outdir / entry["synthesizedStackPath"]).is_file()
    assert "Traceback" not in first.stderr

    # Between the two runs the fixture put .terraform/marker into the platform stack's folder.
    initialized = outdir / "stacks" / "tap-platform-local" / ".terraform"
    second = synths_into_one_folder.local_again.result
    assert second.returncode == 0, second.stderr
    assert (initialized / "marker").read_text() == "providers"
    assert not list(outdir.parent.glob(".synth-*")), "staging directories must not be left behind"

    third = synths_into_one_folder.dev.result
    assert third.returncode == 0, third.stderr
    # Loud while the shipped example values are in place (tests/config/test_deploying_to_aws.py has the details).
    # CDKTF_OUTDIR is how the cdktf CLI runs the app, so warnings are on stdout (app_support/console.py).
    assert "warning: config/environments/dev.yaml: endpoint.public_cidrs: EXAMPLE VALUE still in place: 203.0.113.0/24" in third.stdout
    assert "need 7 Elastic IPs together" in third.stdout
    assert "EXAMPLE VALUE" not in first.stdout + first.stderr and "Elastic IPs" not in first.stdout + first.stderr
    assert set(json.loads((outdir / "manifest.json").read_text())["stacks"]) == {"tap-platform-dev", "tap-workloads-dev"}
    assert (outdir / "stacks" / "tap-platform-local" / "cdk.tf.json").is_file()
