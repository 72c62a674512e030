"""The emulator `make local` starts: moto's application, one request at a time (scripts/emulator.py says why)."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import botocore.config
import pytest

from scripts.emulator import Emulator, OneRequestAtATime


def test_a_second_request_waits_until_the_first_is_answered() -> None:
    inside, release = threading.Event(), threading.Event()
    entered: list[str] = []

    def application(environ, start_response):
        entered.append(environ["name"])
        if environ["name"] == "first":
            inside.set()
            release.wait(timeout=60)
        start_response("200 OK", [])
        return [b"answer to ", environ["name"].encode()]

    serialized = OneRequestAtATime(application)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(serialized, {"name": "first"}, lambda *_: None)
        assert inside.wait(timeout=60)
        second = pool.submit(serialized, {"name": "second"}, lambda *_: None)
        second_done = threading.Event()
        second.add_done_callback(lambda _: second_done.set())
        assert not second_done.wait(timeout=0.5)  # held at the lock, whatever the machine's speed
        assert entered == ["first"]
        release.set()
        assert first.result(timeout=60) == [b"answer to first"]
        assert second.result(timeout=60) == [b"answer to second"]
    assert entered == ["first", "second"]


def ec2_request(body: str) -> dict:
    raw = body.encode()
    return {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
            "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}  # fmt: skip


def test_a_create_resent_with_its_client_token_is_answered_once_as_ec2_does() -> None:
    """EC2 is idempotent for a ClientToken (EC2 API reference, "Ensuring idempotency"); moto is not."""
    created: list[bytes] = []

    def application(environ, start_response):
        created.append(environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [f"<vpcEndpointId>vpce-{len(created)}</vpcEndpointId>".encode()]

    serialized = OneRequestAtATime(application)
    create = "Action=CreateVpcEndpoint&ClientToken=terraform-1&VpcId=vpc-1"
    first = serialized(ec2_request(create), lambda *_: None)
    again = serialized(ec2_request(create), lambda *_: None)
    other = serialized(ec2_request(create.replace("terraform-1", "terraform-2")), lambda *_: None)
    assert first == again == [b"<vpcEndpointId>vpce-1</vpcEndpointId>"]
    assert other == [b"<vpcEndpointId>vpce-2</vpcEndpointId>"]
    assert created == [create.encode(), create.replace("terraform-1", "terraform-2").encode()]  # the app read each body whole
    # A create without a token: an identical body is the SDK resending it (Terraform never sends one twice).
    serialized(ec2_request("Action=CreateSubnet&CidrBlock=10.0.0.0/18&VpcId=vpc-1"), lambda *_: None)
    serialized(ec2_request("Action=CreateSubnet&CidrBlock=10.0.0.0/18&VpcId=vpc-1"), lambda *_: None)
    serialized(ec2_request("Action=CreateSubnet&CidrBlock=10.0.64.0/18&VpcId=vpc-1"), lambda *_: None)
    assert len(created) == 4
    # Reads and deletes always reach the application.
    serialized(ec2_request("Action=DescribeSubnets"), lambda *_: None)
    serialized(ec2_request("Action=DescribeSubnets"), lambda *_: None)
    assert len(created) == 6


@pytest.mark.slow
def test_the_emulator_answers_concurrent_creates_and_stops(tmp_path: Path) -> None:
    """The server the runner starts is moto's: twelve security groups created at once into one VPC all succeed."""
    emulator = Emulator(tmp_path / "moto.log")
    try:
        emulator.wait_until_ready()
        session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="emulator", aws_secret_access_key="emulator")
        no_retries = botocore.config.Config(retries={"total_max_attempts": 1}, max_pool_connections=12)
        ec2 = session.client("ec2", endpoint_url=emulator.endpoint, config=no_retries)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]

        def create(number: int) -> str:
            return ec2.create_security_group(GroupName=f"tap-local-{number}", Description="d", VpcId=vpc)["GroupId"]

        with ThreadPoolExecutor(12) as pool:
            groups = list(pool.map(create, range(12)))

        names = {g["GroupName"] for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]}
        assert len(set(groups)) == 12 and names == {"default", *(f"tap-local-{n}" for n in range(12))}
        assert emulator.died("the test") is None
    finally:
        emulator.stop()
    assert not emulator.alive
    assert emulator.died("the test") is None  # stopped when asked, not died
