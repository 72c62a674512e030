"""The embedded AWS emulator: moto's server on loopback, serving one request at a time, watched while it runs.

moto runs in its own session (a Ctrl-C at the terminal does not reach it; the runner stops it
last, after the teardown that needs it) and dies with the runner (PR_SET_PDEATHSIG). A
watcher thread waits on it: if it exits before the runner stops it, `died()` says so at once,
with its exit status and its log, and every watched wait stops.

One request at a time, because moto's backends are not thread-safe. `moto_server` (moto 5.2.5,
moto/server.py) runs werkzeug with `threaded=True`, a thread per connection, while the EC2
backend's CreateSecurityGroup checks for a duplicate name by iterating the VPC's group dict
without a copy (moto/ec2/models/security_groups.py, get_security_group_from_name), as other
creates insert into it. Measured here (2 cores, load 11 to 15): 360 CreateSecurityGroup calls,
12 at a time into one VPC, made moto crash 5, 1 and 1 of them in three runs with `RuntimeError:
dictionary changed size during iteration`, answered as HTTP 500; through this serialized
application, 0 of 360 in three runs. Terraform's AWS provider (5.100.0) sends CreateSecurityGroup
once and leaves retries to aws-sdk-go-v2's standard retryer (25 attempts), which resends on
HTTP 500 and on connection errors; CreateSecurityGroup has no idempotency token, so a resent
create that moto had already carried out is answered `InvalidGroup.Duplicate`: the flake of
`make local` (issue 23), in a burst of parallel creates on a loaded machine. The crash measured
above happens in the duplicate check, before the insert; which unguarded state failed after
the insert in the reported run was not captured (its moto.log was overwritten by the next run).
Serializing the application removes every race of this kind at once, not one symptom, and costs
nothing measurable: moto holds the GIL while it works, so its threads never ran in parallel
anyway. Connections are still accepted by a thread each, so a slow client cannot hold up the
others while it sends its request. `make soak` runs the whole pipeline under load to show it.

Each response leaves in one write (`OneWriteRequestHandler`), because a response split in two
made the AWS SDK resend requests moto had already answered. werkzeug 3.1.9 (serving.py,
WSGIRequestHandler.run_wsgi) writes the status line and headers, then the body, as two sends on
an unbuffered socket, and closes every connection after one response (`Connection: close`).
Measured here (a per-request trace of this server and packet captures on loopback, Terraform
1.11.4, AWS provider 5.100.0, aws-sdk-go-v2 1.36.3, go1.23.10; TF_LOG=DEBUG): 4 resends in 47,898
requests over two `make local` runs and 19 apply/destroy cycles of 150 to 250 security groups,
each seen by moto as `amz-sdk-request: attempt=2` after it had answered attempt 1 with 200 or
400 (never 5xx; no listen-queue overflow, werkzeug's backlog is 128). In the two captured, the
client took the headers segment, then closed the fresh connection before reading the body (a
FIN before the body arrived, or a RST with the body unread), logged no "HTTP Response Received"
and resent: the SDK's standard retryer treats a failed round trip or body read as a connection
error. With headers and body in one segment the body reaches the client with its headers: 0
resends in 44,808 requests (two `make local` runs and 14 cycles, 4 of them buffering the
socket's writes instead, to the same effect). At the earlier rate 0 comes by chance 2.4 % of
the time; the rate varies with load (the old code resent 2 in 3 cycles of 250 at a load near 4,
none in 6 more at a load near 3).
`report_resend` names every request the SDK still resends in moto.log.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from scripts import child_process

REPO_ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 30


class EmulatorFailed(Exception):
    """The emulator did not start or exited during the run; the message says which, and where its log is."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Emulator:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._stopping = False
        self._exited = threading.Event()
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
        with log_path.open("w") as log:
            self.process = child_process.start(
                [sys.executable, "-m", "scripts.emulator", "-H", "127.0.0.1", "-p", str(self.port)],
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        threading.Thread(target=self._watch, name="emulator-watcher", daemon=True).start()

    def _watch(self) -> None:
        self.process.wait()
        self._exited.set()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return
            except OSError:
                if self._exited.is_set():
                    code = self.process.returncode
                    raise EmulatorFailed(f"the AWS emulator exited (code {code}) while starting; its log: {self.log_path}") from None
                if time.monotonic() > deadline:
                    raise EmulatorFailed(f"the AWS emulator did not answer within {START_SECONDS} s; its log: {self.log_path}") from None
                time.sleep(0.1)

    @property
    def alive(self) -> bool:
        return not self._exited.is_set()

    def died(self, step: str) -> str | None:
        """Why the run must stop, if the emulator exited without being asked to."""
        if self._exited.is_set() and not self._stopping:
            return f"the AWS emulator exited (code {self.process.returncode}) during {step}; its log: {self.log_path}"
        return None

    def stop(self) -> None:
        self._stopping = True
        child_process.stop(self.process, grace=5)


class OneRequestAtATime:
    """A WSGI application that lets the one it wraps handle one request at a time (see the module's
    docstring), and answers a resent EC2 create the way AWS does.

    EC2 is idempotent for a `ClientToken` (EC2 API reference, "Ensuring idempotency in Amazon EC2
    API requests"): a request resent with the same token gets the first answer and creates nothing.
    moto ignores the token, so a create the SDK resends (it resends on a connection error, up to 25
    times) makes a second resource Terraform never hears of: a fresh-clone `make local` once left a
    VPC endpoint behind after destroy that no apply had created. The first successful answer per
    (Action, ClientToken) is kept and replayed.

    The resends measured had one cause, fixed in `OneWriteRequestHandler` (the module's docstring):
    none was seen since. The replay stays as EC2's own idempotency, so that a resend of any other
    cause (a client starved of CPU can still drop a connection) cannot fail the run, and
    `report_resend` names each one in moto.log instead of leaving it silent."""

    def __init__(self, application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application
        self.lock = threading.Lock()
        self.replies: dict[tuple[str, str], tuple[str, list[tuple[str, str]], bytes]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            key = idempotency_key(environ)
            report_resend(environ, replayed=key in self.replies)
            if key in self.replies:
                status, headers, reply = self.replies[key]
                start_response(status, headers)
                return [reply]
            answered: dict[str, Any] = {}

            def remember(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
                answered.update(status=status, headers=headers)
                return start_response(status, headers, *exc_info)

            body = self.application(environ, remember)
            try:
                reply = b"".join(body)  # the whole response is built under the lock
            finally:
                if hasattr(body, "close"):
                    body.close()
            if key is not None and str(answered.get("status", "")).startswith("200"):
                self.replies[key] = (answered["status"], list(answered["headers"]), reply)
            return [reply]


# Creates whose resend, without a ClientToken, would make a second resource (CreateSubnet,
# CreateSecurityGroup ...) or fail as a duplicate: Terraform never sends one of them twice with the
# same body, so an identical body is the SDK resending it, and gets the first answer.
RESENT_CREATES = ("Create", "Allocate", "Authorize", "Associate", "Attach")


def report_resend(environ: dict[str, Any], *, replayed: bool) -> None:
    """One line in moto.log per request the AWS SDK resends (its `amz-sdk-request` header counts the
    attempts), so that a resend is never silent again."""
    attempt = environ.get("HTTP_AMZ_SDK_REQUEST", "")
    if not attempt or attempt.startswith("attempt=1;"):
        return
    body = environ["wsgi.input"].getvalue() if isinstance(environ.get("wsgi.input"), io.BytesIO) else b""
    action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    action = action or environ.get("HTTP_X_AMZ_TARGET") or f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
    outcome = "answered with the first reply" if replayed else "passed to moto"
    print(f"emulator: the SDK resent {action} ({attempt}); {outcome}", file=sys.stderr, flush=True)


def idempotency_key(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(Action, ClientToken), or (Action, the body's digest) for a create without a token, of an EC2
    query-API request; else None. The body is read once and put back."""
    if environ.get("REQUEST_METHOD") != "POST" or "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
        return None
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"))
    action, token = form.get("Action", [""])[0], form.get("ClientToken", [""])[0]
    if action and token:
        return (action, token)
    if action.startswith(RESENT_CREATES):
        return (action, "body:" + hashlib.sha256(raw).hexdigest())
    return None


class WholeResponseWriter(io.BufferedIOBase):
    """A connection's output that keeps what is written until flushed, then sends it in one call:
    werkzeug flushes after the headers and body of each chunk it writes (see the module's docstring).
    An interim `100 Continue` goes at once: the client waits for it before it sends the body."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.pending = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.pending += data
        if bytes(self.pending[:13]) == b"HTTP/1.1 100 " and self.pending.endswith(b"\r\n\r\n"):
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.pending:  # taken before sending: a client gone mid-send is not sent to again on close
            response, self.pending = bytes(self.pending), bytearray()
            self.connection.sendall(response)


def one_write_handler(base: type) -> type:
    """`base` (werkzeug's request handler or moto's subclass of it), answering each response in one write."""

    class OneWriteRequestHandler(base):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            super().setup()
            self.wfile = WholeResponseWriter(self.connection)

    return OneWriteRequestHandler


def serve(host: str, port: int) -> None:
    """moto's server as `moto_server -H host -p port` runs it (moto/server.py, main), its application serialized."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    os.environ.setdefault("MOTO_PORT", str(port))  # moto builds some URLs (queues, presigned) from it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    application = DomainDispatcherApplication(create_backend_app)
    application.debug = True  # as moto_server sets it
    run_simple(host, port, OneRequestAtATime(application), threaded=True, request_handler=one_write_handler(MotoRequestHandler))


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description="moto's server, one request at a time")
    arguments.add_argument("-H", "--host", default="127.0.0.1")
    arguments.add_argument("-p", "--port", type=int, required=True)
    options = arguments.parse_args()
    serve(options.host, options.port)
