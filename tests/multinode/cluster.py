"""The cluster the multi-node suite runs on: a private PostgreSQL primary and a streaming
replica (tests/postgres/lib.sh), three keystone-lite nodes on the primary, one edge node
reading from the replica, and HAProxy (Debian's) balancing the three round-robin.

Every process is started here and stopped by `Cluster.close()`; ports are free loopback
ports chosen up front so a killed node restarts on its own port behind the balancer.
"""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PG_LIB = os.path.join(REPO, "tests", "postgres", "lib.sh")
SEED = os.path.join(REPO, "seed", "demo.yaml")

# upstream's [security_compliance] settings tempest's identity suite runs with (the same as
# tests/clients/run.sh gives its single server).
NODE_CONF = """[DEFAULT]
# the balancer's URL: links and the catalog's identity endpoint name it, not the node, so
# clients that follow the catalog (tempest does) stay behind the balancer
public_endpoint = {public}

[security_compliance]
lockout_failure_attempts = 2
lockout_duration = 5
unique_last_password_count = 2
minimum_password_age = 0

[database]
connection = {primary}
{replica_line}

[metrics]
listen = 127.0.0.1:{metrics_port}
"""

HAPROXY_CFG = """global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    # a connection refused by a dead node goes to another one; a request already sent is
    # never re-sent (HAProxy retries only failed connects by default)
    retries 2
    option redispatch

frontend keystone
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /healthcheck
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, token=None, body=None, headers=None, timeout=30):
    """(status, headers, parsed JSON or None); network errors are status 0."""
    h = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        h["X-Auth-Token"] = token
    h.update(headers or {})
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, r.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return e.code, e.headers, parsed
    except (OSError, ValueError):
        return 0, {}, None


def login(url, user="admin", password="adminpwd", system=True):
    scope = {"system": {"all": True}} if system else {
        "project": {"name": "admin", "domain": {"id": "default"}}}
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}}, "scope": scope}}
    status, headers, _ = http("POST", url + "/v3/auth/tokens", body=body)
    if status != 201:
        raise AssertionError("login at %s answered %s" % (url, status))
    return headers["X-Subject-Token"]


def wait_until(check, seconds, step=0.05):
    """Seconds it took for check() to hold, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if check():
            return time.monotonic() - t0
        time.sleep(step)
    return None


class Node:
    def __init__(self, cluster, name, replica_url=None):
        self.cluster, self.name = cluster, name
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.metrics_port = free_port()
        self.dir = os.path.join(cluster.dir, name)
        os.makedirs(os.path.join(self.dir, "data"))
        self.conf = os.path.join(self.dir, "keystone.conf")
        replica_line = "slave_connection = %s" % replica_url if replica_url else ""
        with open(self.conf, "w") as f:
            f.write(NODE_CONF.format(primary=cluster.primary_url, replica_line=replica_line,
                                     public=cluster.url, metrics_port=self.metrics_port))
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.cluster.binary, "--seed", SEED, "--data-dir", os.path.join(self.dir, "data"),
             "--listen", "127.0.0.1:%d" % self.port, "--config", self.conf],
            stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL,
            start_new_session=True)
        if wait_until(lambda: http("GET", self.url + "/v3", timeout=2)[0] == 200, 60) is None:
            raise AssertionError("node %s did not answer within 60 s" % self.name)

    def kill(self):
        """SIGKILL: no shutdown path runs, as when a machine dies."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def metric(self, name):
        """The samples of `name` (any labels) on this node's /metrics, summed."""
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port,
                                    timeout=10) as r:
            text = r.read().decode()
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith(name + "{") or line.startswith(name + " "))

    def requests_served(self):
        return self.metric("keystone_http_requests_total")

    def log(self):
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")


class Cluster:
    def __init__(self, binary, nodes=3):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="ksl-multinode.")
        # traversable (not listable) by the postgres user PostgreSQL runs as under root
        os.chmod(self.dir, 0o711)
        self.haproxy = None
        self.primary_dir = os.path.join(self.dir, "pg-primary")
        self.replica_dir = os.path.join(self.dir, "pg-replica")
        self.primary_url = self.pg("pg_start", self.primary_dir)
        self.replica_url = self.pg("pg_replica", self.replica_dir, self.primary_dir)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.nodes = [Node(self, "node%d" % i) for i in range(1, nodes + 1)]
        # one at a time: the first creates the schema and imports its key repository,
        # the others find both in the database
        for node in self.nodes:
            node.start()
        self.edge = Node(self, "edge", replica_url=self.replica_url)
        self.edge.start()
        self.start_haproxy()

    def pg(self, function, *args):
        out = subprocess.run(
            ["bash", "-c", 'source "$0"; %s "$@" >&2 && echo "$PG_URL"' % function, PG_LIB]
            + list(args), check=True, stdout=subprocess.PIPE, text=True)
        return out.stdout.strip()

    def pg_ctl(self, which, action):
        subprocess.run(["bash", "-c", 'source "$0"; PG_BIN="$(pg_bin_dir)"; pg_ctl_in "$@"',
                        PG_LIB, which, action], check=True)

    def start_haproxy(self):
        servers = "\n".join("    server %s 127.0.0.1:%d check" % (n.name, n.port)
                            for n in self.nodes)
        cfg = os.path.join(self.dir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(HAPROXY_CFG.format(port=self.port, servers=servers))
        check = subprocess.run(["haproxy", "-c", "-f", cfg], capture_output=True, text=True)
        if check.returncode != 0:
            raise AssertionError("haproxy -c: " + check.stdout + check.stderr)
        log = open(os.path.join(self.dir, "haproxy.log"), "ab")
        self.haproxy = subprocess.Popen(["haproxy", "-db", "-f", cfg], stdout=log, stderr=log,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        if wait_until(lambda: http("GET", self.url + "/v3", timeout=2)[0] == 200, 30) is None:
            raise AssertionError("HAProxy did not answer within 30 s")
        # every node marked up (rise 2 x 500 ms) before anything counts on round-robin
        time.sleep(1.5)

    def close(self, keep=False):
        if self.haproxy and self.haproxy.poll() is None:
            self.haproxy.terminate()
            self.haproxy.wait()
        for node in self.nodes + [self.edge]:
            node.stop()
        for d in (self.replica_dir, self.primary_dir):
            subprocess.run(["bash", "-c", 'source "$0"; pg_destroy "$1"', PG_LIB, d])
        if not keep:
            subprocess.run(["rm", "-rf", self.dir])
