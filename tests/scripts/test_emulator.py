"""The emulator `make local` starts: moto's application, one request at a time (scripts/emulator.py says why)."""

from __future__ import annotations

import io
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import botocore.config
import pytest

from scripts.emulator import Emulator, OneRequestAtATime, one_write_handler


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


class RecordingSocket(socket.socket):
    """The served end of a loopback connection, keeping each send the server makes."""

    sends: list[bytes]

    def send(self, data, *args):  # type: ignore[override]
        self.sends.append(bytes(data))
        return super().send(data, *args)

    def sendall(self, data, *args):  # type: ignore[override]
        self.sends.append(bytes(data))
        return super().sendall(data, *args)


def served_connection() -> tuple[socket.socket, RecordingSocket]:
    """A real TCP connection on loopback: the client's end, and the server's end recording its sends."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname(), timeout=60)
        accepted, _ = listener.accept()
    served = RecordingSocket(socket.AF_INET, socket.SOCK_STREAM, fileno=accepted.detach())
    served.sends = []
    return client, served


def serve_one_connection(served: RecordingSocket, application) -> threading.Thread:
    """The emulator's request handler (moto's, answering in one write) on one connection, in a thread."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    handler = one_write_handler(MotoRequestHandler)
    server = make_server("127.0.0.1", 0, OneRequestAtATime(application), threaded=True, request_handler=handler)

    def handle() -> None:
        try:
            server.finish_request(served, ("127.0.0.1", served.getpeername()[1]))
        finally:
            served.close()
            server.server_close()

    thread = threading.Thread(target=handle, daemon=True)
    thread.start()
    return thread


def receive_all(client: socket.socket) -> bytes:
    chunks = []
    while chunk := client.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


BODY = b"<DescribeSecurityGroupsResponse>" + b"x" * 3000 + b"</DescribeSecurityGroupsResponse>"


def answer(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(BODY)))])
    return [BODY]


def test_a_response_leaves_in_one_write_so_the_sdk_never_sees_headers_without_their_body() -> None:
    """werkzeug writes headers and body in two sends; the AWS SDK (Go) resent requests after taking the
    headers alone and dropping the connection (scripts/emulator.py's docstring has the measurements)."""
    client, served = served_connection()
    request = b"Action=DescribeSecurityGroups&Version=2016-11-15"
    client.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                   b"Content-Length: %d\r\n\r\n%s" % (len(request), request))  # fmt: skip
    thread = serve_one_connection(served, answer)
    reply = receive_all(client)
    thread.join(timeout=60)
    client.close()
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n") and reply.endswith(BODY)
    assert served.sends == [reply]  # status line, headers and body in one send


def test_an_interim_100_continue_is_sent_before_the_body_is_read() -> None:
    """A client that asks `Expect: 100-continue` (the SDK does for large S3 uploads) waits for it before it sends the body."""
    client, served = served_connection()
    request = b"x" * 5000
    client.sendall(b"PUT /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(request))
    thread = serve_one_connection(served, answer)
    interim = b""
    while not interim.endswith(b"\r\n\r\n"):
        chunk = client.recv(1)  # bounded by the socket's 60 s timeout
        assert chunk, "the server closed the connection before 100 Continue"
        interim += chunk
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    client.sendall(request)
    reply = receive_all(client)  # werkzeug and http.server each send a 100 Continue: a second one may lead
    thread.join(timeout=60)
    client.close()
    assert b"HTTP/1.1 200 OK\r\n" in reply and reply.endswith(BODY)


def test_a_resent_request_is_named_in_the_emulator_log(capsys: pytest.CaptureFixture[str]) -> None:
    def application(environ, start_response):
        start_response("200 OK", [])
        return [b"<subnetId>subnet-1</subnetId>"]

    serialized = OneRequestAtATime(application)
    create = "Action=CreateSubnet&CidrBlock=10.0.0.0/18&VpcId=vpc-1"
    serialized({**ec2_request(create), "HTTP_AMZ_SDK_REQUEST": "attempt=1; max=25"}, lambda *_: None)
    assert capsys.readouterr().err == ""
    serialized({**ec2_request(create), "HTTP_AMZ_SDK_REQUEST": "attempt=2; max=25"}, lambda *_: None)
    assert capsys.readouterr().err == "emulator: the SDK resent CreateSubnet (attempt=2; max=25); answered with the first reply\n"
