#!/usr/bin/env python3
"""Load helpers for tests/bench/bench.sh (stdlib only; only the given loopback URL is contacted).

  load.py tokens URL ADMIN_TOKEN N OUT      issue N tokens (token method: no password hashing),
                                            one per line into OUT
  load.py revoke URL ADMIN_TOKEN N          issue N tokens and revoke each with
                                            DELETE /v3/auth/tokens; prints a JSON line with
                                            the revoke latencies (mean, p50, p99 ms)
  load.py writes URL ADMIN_TOKEN RATE SECS  unrelated writes at RATE per second for SECS
                                            seconds (a region created and deleted, another
                                            project's description, a new user); prints a JSON
                                            line with the count done
"""
import http.client
import json
import sys
import time
import urllib.parse
import uuid


class Client:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def call(self, method, path, token=None, body=None, subject=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-Auth-Token"] = token
        if subject:
            headers["X-Subject-Token"] = subject
        data = json.dumps(body) if body is not None else None
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        payload = r.read()
        return r.status, r.getheader("X-Subject-Token"), payload


def issue(c, admin):
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": admin}}}}
    status, subject, payload = c.call("POST", "/v3/auth/tokens", body=body)
    if status != 201:
        sys.exit(f"issue failed: {status} {payload[:200]!r}")
    return subject


def tokens(url, admin, n, out):
    c = Client(url)
    with open(out, "w") as f:
        for _ in range(n):
            f.write(issue(c, admin) + "\n")


def pct(sorted_ms, p):
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * p))]


def revoke(url, admin, n):
    c = Client(url)
    latencies = []
    for _ in range(n):
        t = issue(c, admin)
        t0 = time.perf_counter()
        status, _, payload = c.call("DELETE", "/v3/auth/tokens", token=admin, subject=t)
        latencies.append((time.perf_counter() - t0) * 1000)
        if status != 204:
            sys.exit(f"revoke failed: {status} {payload[:200]!r}")
    latencies.sort()
    print(json.dumps({"revoked": n, "mean_ms": sum(latencies) / n,
                      "p50_ms": pct(latencies, 0.5), "p99_ms": pct(latencies, 0.99)}))


def writes(url, admin, rate, secs):
    c = Client(url)
    status, _, payload = c.call("POST", "/v3/projects", token=admin,
                                body={"project": {"name": "bench-" + uuid.uuid4().hex,
                                                  "domain_id": "default"}})
    if status != 201:
        sys.exit(f"project create failed: {status}")
    project = json.loads(payload)["project"]["id"]
    done, start = 0, time.monotonic()
    while time.monotonic() - start < secs:
        kind = done % 3
        if kind == 0:
            rid = "bench-" + uuid.uuid4().hex
            c.call("POST", "/v3/regions", token=admin, body={"region": {"id": rid}})
            c.call("DELETE", f"/v3/regions/{rid}", token=admin)
        elif kind == 1:
            c.call("PATCH", f"/v3/projects/{project}", token=admin,
                   body={"project": {"description": uuid.uuid4().hex}})
        else:
            c.call("POST", "/v3/users", token=admin,
                   body={"user": {"name": "bench-" + uuid.uuid4().hex, "domain_id": "default"}})
        done += 1
        wait = start + done / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    print(json.dumps({"writes": done, "seconds": time.monotonic() - start}))


if __name__ == "__main__":
    cmd, url, admin = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "tokens":
        tokens(url, admin, int(sys.argv[4]), sys.argv[5])
    elif cmd == "revoke":
        revoke(url, admin, int(sys.argv[4]))
    elif cmd == "writes":
        writes(url, admin, float(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(__doc__)
