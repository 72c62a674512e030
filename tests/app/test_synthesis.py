"""`python tap.py`: both stacks from two processes, merged as one cdktf App would write them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import STALE_STACK, SynthsIntoOneFolder

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

    # Before the dev run, the folder held dev's platform stack from an earlier synth, initialized (.terraform/marker).
    second = synths_into_one_folder.dev.result
    assert second.returncode == 0, second.stderr
    platform = outdir / "stacks" / "tap-platform-dev"
    assert (platform / ".terraform" / "marker").read_text() == "providers"
    assert (platform / "cdk.tf.json").read_text() != STALE_STACK
    assert "aws_eks_cluster" in json.loads((platform / "cdk.tf.json").read_text())["resource"]
    assert not list(outdir.parent.glob(".synth-*")), "staging directories must not be left behind"

    # Loud while the shipped example values are in place (tests/config/test_deploying_to_aws.py has the details).
    # CDKTF_OUTDIR is how the cdktf CLI runs the app, so warnings are on stdout (app_support/console.py).
    assert "warning: config/environments/dev.yaml: endpoint.public_cidrs: EXAMPLE VALUE still in place: 203.0.113.0/24" in second.stdout
    assert "need 7 Elastic IPs together" in second.stdout
    assert "EXAMPLE VALUE" not in first.stdout + first.stderr and "Elastic IPs" not in first.stdout + first.stderr
    assert set(json.loads((outdir / "manifest.json").read_text())["stacks"]) == {"tap-platform-dev", "tap-workloads-dev"}
    assert (outdir / "stacks" / "tap-platform-local" / "cdk.tf.json").is_file()
