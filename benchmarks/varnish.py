"""varnishd with the shipped deploy/varnish/default.vcl in front of app servers on loopback, for
benchmarks/edge.py and tests/scale/test_edge.py.

The shipped VCL includes backends.vcl, the deployment's own part (deploy/varnish/backends.vcl is
the example): `Varnish` writes one for the servers' ports beside a copy of default.vcl, so what
runs is the shipped logic. It runs unprivileged (`-j none`) with two listeners:

- `proxy_port` (the listener named tls) takes readers as a TLS front hands them over, in the
  PROXY protocol, which names each reader's address (Varnish's client.ip): they came over https;
- `port` plain HTTP, from the site's own hosts (purges) or a front that sends X-Forwarded-For.
"""

import http.client
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Probed often, and a server taken out only after five failures in a row, so a busy machine
# does not make a live one look dead.
BACKENDS_VCL = """
import directors;
probe healthz {{
    .request = "GET /healthz HTTP/1.1" "Host: 127.0.0.1" "Connection: close";
    .interval = 500ms; .timeout = 2s; .window = 5; .threshold = 1; .initial = 1;
}}
{backends}
sub vcl_init {{
    new origin = directors.round_robin();
{adds}
}}
acl purgers {{ "127.0.0.1"; }}
"""


class Varnish:
    """varnishd in front of the app servers on `backend_ports` (given to `start`), its files
    in `folder`. The ports are chosen at once, so the servers can be told where to purge."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.port, self.proxy_port = free_port(), free_port()
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def start(self, backend_ports):
        vcl = self.folder / "vcl"
        vcl.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "deploy" / "varnish" / "default.vcl", vcl)
        backends = "\n".join(
            f'backend app{n} {{ .host = "127.0.0.1"; .port = "{port}"; .probe = healthz; }}'
            for n, port in enumerate(backend_ports)
        )
        adds = "\n".join(f"    origin.add_backend(app{n});" for n in range(len(backend_ports)))
        (vcl / "backends.vcl").write_text(BACKENDS_VCL.format(backends=backends, adds=adds))
        command = [
            "varnishd", "-F", "-j", "none", "-n", str(self.workdir),
            "-a", f"127.0.0.1:{self.port}", "-a", f"tls=127.0.0.1:{self.proxy_port},PROXY",
            "-p", f"vcl_path={vcl}", "-f", str(vcl / "default.vcl"), "-s", "malloc,256m",
        ]  # fmt: skip
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while not self.answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"varnishd did not start:\n{self.log.read_text()}")
            time.sleep(0.1)  # polling for it to listen
        return self

    @property
    def workdir(self):
        return self.folder / "varnishd"

    @property
    def log(self):
        return self.folder / "varnishd.log"

    def answers(self):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            return connection.getresponse().status == 200
        except OSError:
            return False

    def counter(self, name):
        """A varnishstat counter, e.g. MAIN.backend_req (requests sent to the app servers)."""
        output = subprocess.run(
            ["varnishstat", "-n", str(self.workdir), "-1", "-j", "-f", name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(output)["counters"][name]["value"]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class ProxiedConnection(http.client.HTTPConnection):
    """A connection to Varnish's `proxy_port` as a TLS front hands one over: the PROXY protocol
    names `address` as the client (Varnish's client.ip)."""

    def __init__(self, port, address):
        super().__init__("127.0.0.1", port, timeout=30)
        self.address = address

    def connect(self):
        super().connect()
        self.sock.sendall(f"PROXY TCP4 {self.address} 127.0.0.1 40000 443\r\n".encode())


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
