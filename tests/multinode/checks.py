"""The multi-node checks, each a function of the running Cluster that raises AssertionError:
cross-node reads and revocations, a node killed under write load, the database restarted
under load, the edge node on the replica with its primary stopped.
"""

import threading
import time
import uuid

from cluster import http, login, wait_until

# The staleness bound the README documents: another node's write is seen here within this.
BOUND_S = 1.0


def check_cross_node(c):
    """A write acknowledged through one node is read by every other node's next read; a
    revoked token, a disabled user and a removed role no longer validate on any node by the
    time the write is acknowledged (a write waits for the live nodes to apply it), although
    every node had the token cached."""
    heard = {n.name: n.metric("keystone_db_peer_nodes") for n in c.nodes}
    assert all(v == len(c.nodes) - 1 for v in heard.values()), "peers heard: %s" % heard
    admin = login(c.url)
    first, others = c.nodes[0], c.nodes[1:]
    name = "xnode-" + uuid.uuid4().hex[:8]
    s, _, body = http("POST", first.url + "/v3/users", admin, {"user": {
        "name": name, "password": "Secret-1-pass", "domain_id": "default"}})
    assert s == 201, s
    uid = body["user"]["id"]
    for n in others:   # no wait: the next read
        s, _, _ = http("GET", n.url + "/v3/users/" + uid, admin)
        assert s == 200, "%s did not see the user at once (%s)" % (n.name, s)
    project = http("GET", first.url + "/v3/projects?name=demo", admin)[2]["projects"][0]["id"]
    member = http("GET", first.url + "/v3/roles?name=member", admin)[2]["roles"][0]["id"]
    grant = "/v3/projects/%s/users/%s/roles/%s" % (project, uid, member)
    assert http("PUT", others[0].url + grant, admin)[0] == 204
    results = {}

    def user_token():
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "id": uid, "password": "Secret-1-pass"}}}, "scope": {"project": {"id": project}}}}
        s, h, _ = http("POST", c.url + "/v3/auth/tokens", body=body)
        assert s == 201, s
        return h["X-Subject-Token"]

    def valid_everywhere(tok):
        return all(http("GET", n.url + "/v3/auth/tokens", admin,
                        headers={"X-Subject-Token": tok})[0] == 200 for n in c.nodes)

    def gone_everywhere(tok):
        return all(http("GET", n.url + "/v3/auth/tokens", admin,
                        headers={"X-Subject-Token": tok})[0] == 404 for n in c.nodes)

    # 1. revocation
    tok = user_token()
    assert valid_everywhere(tok)   # now cached on every node
    assert http("DELETE", first.url + "/v3/auth/tokens", admin,
                headers={"X-Subject-Token": tok})[0] == 204
    results["revocation"] = gone_everywhere(tok)
    # 2. removed role
    tok = user_token()
    assert valid_everywhere(tok)
    assert http("DELETE", first.url + grant, admin)[0] == 204
    results["removed role"] = gone_everywhere(tok)
    assert http("PUT", first.url + grant, admin)[0] == 204
    # 3. disabled user
    tok = user_token()
    assert valid_everywhere(tok)
    assert http("PATCH", first.url + "/v3/users/" + uid, admin,
                {"user": {"enabled": False}})[0] == 200
    results["disabled user"] = gone_everywhere(tok)
    for what, gone in results.items():
        assert gone, "after the %s was acknowledged, a node still validated the token" % what
    return "revocation, removed role, disabled user: refused on every node as soon as " \
        "the write was acknowledged"


class Writers:
    """Threads creating projects through the balancer; every 201 is an acknowledged write
    (its id recorded), anything else is counted by status."""

    def __init__(self, c, threads=6):
        self.c, self.token = c, login(c.url)
        self.acknowledged, self.failures = [], {}
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(threads)]

    def run(self, i):
        n = 0
        while not self.stop.is_set():
            n += 1
            name = "load-%d-%d-%s" % (i, n, uuid.uuid4().hex[:6])
            s, _, body = http("POST", self.c.url + "/v3/projects", self.token,
                              {"project": {"name": name, "domain_id": "default"}}, timeout=20)
            with self.lock:
                if s == 201:
                    self.acknowledged.append(body["project"]["id"])
                else:
                    self.failures[s] = self.failures.get(s, 0) + 1
            if s != 201:
                time.sleep(0.02)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def count(self):
        with self.lock:
            return len(self.acknowledged)

    def verify(self, nodes):
        """Every acknowledged project is there, on every node."""
        admin = login(self.c.url)
        for n in nodes:
            listed = http("GET", n.url + "/v3/projects?domain_id=default", admin, timeout=60)
            assert listed[0] == 200, listed[0]
            ids = {p["id"] for p in listed[2]["projects"]}
            lost = [p for p in self.acknowledged if p not in ids]
            assert not lost, "%s lost %d acknowledged writes, e.g. %s" % (n.name, len(lost), lost[:3])


def check_kill_a_node(c):
    """SIGKILL one node under write load through the balancer, restart it: no acknowledged
    write is lost, the others go on serving, the restarted node serves again."""
    victim = c.nodes[1]
    with Writers(c) as w:
        time.sleep(2)
        before = w.count()
        victim.kill()
        time.sleep(3)
        during = w.count() - before
        victim.start()
        time.sleep(2)
    assert during > 0, "no write was acknowledged while a node was down"
    w.verify(c.nodes)
    return "%d writes acknowledged (%d while %s was dead), none lost; other answers %s" % (
        len(w.acknowledged), during, victim.name, w.failures or "none")


def check_database_restart(c):
    """PostgreSQL stopped under load: the nodes answer 503 while it is down (never a hang,
    never another 5xx), then serve again by themselves; no acknowledged write is lost."""
    admin = login(c.url)
    with Writers(c) as w:
        time.sleep(1)
        c.pg_ctl(c.primary_dir, "stop")
        time.sleep(0.5)
        down = {n.name: http("POST", n.url + "/v3/projects", admin, {"project": {
            "name": "down-" + uuid.uuid4().hex[:6], "domain_id": "default"}}, timeout=10)[0]
            for n in c.nodes}
        time.sleep(2)
        c.pg_ctl(c.primary_dir, "start")
        t0 = time.monotonic()

        def every_node_writes():
            return all(http("POST", n.url + "/v3/projects", admin, {"project": {
                "name": "up-" + uuid.uuid4().hex[:6], "domain_id": "default"}},
                timeout=10)[0] == 201 for n in c.nodes)
        recovered = wait_until(every_node_writes, 30, 0.05)
        after = w.count()
        time.sleep(1)
        assert w.count() > after, "the balancer's writers did not recover"
    assert all(s == 503 for s in down.values()), "while the database was down: %s" % down
    assert recovered is not None, "nodes did not recover within 30 s of the database's start"
    unexpected = {s: k for s, k in w.failures.items() if s not in (503,)}
    assert not unexpected, "answers other than 201/503 during the restart: %s" % unexpected
    w.verify(c.nodes)
    del t0
    return "503 on every node while down; all nodes writing again %.0f ms after the start; " \
        "%d writes acknowledged, none lost; %s" % (
            recovered * 1000, len(w.acknowledged), w.failures)


def check_edge(c):
    """The edge node reads from the replica: it sees a write made through the balancer
    within the bound, and with the primary stopped it still validates and lists, refuses
    writes with a 503 naming the primary, and writes again once the primary is back."""
    admin = login(c.url)
    name = "edge-" + uuid.uuid4().hex[:8]
    s, _, body = http("POST", c.url + "/v3/users", admin, {"user": {"name": name}})
    assert s == 201, s
    uid = body["user"]["id"]
    seen = wait_until(lambda: http("GET", c.edge.url + "/v3/users/" + uid, admin)[0] == 200,
                      BOUND_S, 0.01)
    assert seen is not None, "the edge did not see a user within %.1f s" % BOUND_S
    assert http("GET", c.edge.url + "/v3/auth/tokens", admin,
                headers={"X-Subject-Token": admin})[0] == 200
    c.pg_ctl(c.primary_dir, "stop")
    try:
        v = http("GET", c.edge.url + "/v3/auth/tokens", admin, headers={"X-Subject-Token": admin})
        lst = http("GET", c.edge.url + "/v3/users", admin)
        w = http("POST", c.edge.url + "/v3/users", admin, {"user": {"name": name + "-2"}})
    finally:
        c.pg_ctl(c.primary_dir, "start")
    assert v[0] == 200, "validation on the edge with the primary down: %s" % v[0]
    assert lst[0] == 200, "list on the edge with the primary down: %s" % lst[0]
    assert w[0] == 503, "write on the edge with the primary down: %s" % w[0]
    back = wait_until(lambda: http("POST", c.edge.url + "/v3/users", admin, {"user": {
        "name": "edge-" + uuid.uuid4().hex[:8]}})[0] == 201, 30)
    assert back is not None, "the edge did not write again within 30 s of the primary's start"
    return "user seen on the edge in %.0f ms; primary down: validate 200, list 200, write " \
        "503 (%s); writes again %.0f ms after the primary's start" % (
            seen * 1000, (w[2] or {}).get("error", {}).get("message", "")[:60], back * 1000)


# The edge first: after a primary restart the replica reconnects on its own schedule
# (wal_retrieve_retry_interval, 5 s), which is not what the edge check measures.
CHECKS = [check_cross_node, check_edge, check_kill_a_node, check_database_restart]
