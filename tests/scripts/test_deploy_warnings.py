"""A synth counts the example values still in place in one line, naming the command that lists them;
`make warnings` (and `make preflight`, and the cdktf CLI's deploy) list each in full."""

from __future__ import annotations

import datetime as dt

import pytest

from config.examples import example_warnings, silent_alarms_warning, synth_warnings
from config.model import EnvironmentConfig
from scripts.deploy_warnings import deploy_warnings, main


def test_a_synth_counts_the_example_values_in_one_line(configs: dict[str, EnvironmentConfig]) -> None:
    dev = configs["dev"]
    listed = example_warnings(dev)
    assert len(listed) > 1, "the shipped dev environment carries example values"
    assert synth_warnings(dev, in_full=False) == [
        f"{len(listed)} example values still in place in dev, and its alarms notify nobody (replace them before deploying to AWS): "
        "`make warnings ENV=dev` lists them"
    ]
    assert synth_warnings(dev, in_full=True) == [*listed, *silent_alarms_warning(dev)]
    assert synth_warnings(configs["local"], in_full=False) == []  # the emulator never reaches AWS


def test_make_warnings_lists_every_one_in_full(configs: dict[str, EnvironmentConfig], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy_warnings", "prod"]) == 0
    out, err = capsys.readouterr()
    warned = err.splitlines()
    assert all(line.startswith("warning: ") for line in warned)
    for line in example_warnings(configs["prod"]):
        assert f"warning: {line}" in warned
    assert "services/payment/values-prod.yaml: ingress.certificateArn: EXAMPLE VALUE still in place" in err
    assert any("Elastic IPs together" in line for line in warned)
    assert out == f"prod: {len(warned)} warnings to read before deploying to AWS\n"


def test_the_kubernetes_version_leads_only_when_it_needs_saying(configs: dict[str, EnvironmentConfig]) -> None:
    version = configs["prod"].kubernetes_version
    examples = len(example_warnings(configs["prod"]))
    standard = deploy_warnings("prod", dt.date(2026, 12, 5))  # 1.35: standard support until 2027-03-27
    assert len(standard) == examples + 1  # the examples and the Elastic IP note, no version line
    extended = deploy_warnings("prod", dt.date(2027, 9, 1))
    assert len(extended) == examples + 2
    assert extended[0].startswith(f"Kubernetes {version} is in AWS extended support")


def test_an_unknown_environment_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy_warnings", "nope"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: unknown environment 'nope': choose one of dev, local, prod, staging (files in config/environments/)"
    ]


def test_alarms_that_notify_nobody_are_said_at_every_synth(configs: dict[str, EnvironmentConfig]) -> None:
    """dev as shipped pages nobody (allowed outside protected environments): every synth says so, in its own line."""
    (line,) = silent_alarms_warning(configs["dev"])
    assert line.startswith("config/environments/dev.yaml: alarms: the alarms of dev notify nobody")
    assert line in synth_warnings(configs["dev"], in_full=True)
    for name in ("staging", "prod", "local"):  # a topic with subscribers, a given topic; the emulator never pages
        assert silent_alarms_warning(configs[name]) == []
    paged = configs["dev"].alarms.model_copy(update={"topic_arns": ("arn:aws:sns:us-east-1:210987654321:oncall",)})
    assert silent_alarms_warning(configs["dev"].model_copy(update={"alarms": paged})) == []
