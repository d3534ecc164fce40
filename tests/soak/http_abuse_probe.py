#!/usr/bin/env python3
"""HTTP-edge abuse probe for keystone-lite.

Starts a fresh keystone-lite per scenario (or targets --url, then threads/RSS are not read),
opens hostile connections of one kind, and checks that a normal client still gets its answer
quickly, that the server's thread count and memory stay bounded, and that oversized heads are
refused (431 or 400).

Only loopback is used; every loop is bounded in count and time; servers it starts are killed.

Exit status: 0 if every scenario met its requirement, 1 otherwise. --json prints a JSON report.

Run by `make soak` (not part of `make test`: it takes about a minute and opens thousands of
sockets). Usage:
  http_abuse_probe.py [--binary PATH] [--seed PATH] [--only a,b] [--json] [--latency-ms 100]
"""

import argparse
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import shutil

# The repository root, two levels up from tests/soak/.
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BINARY = os.path.join(REPO, "target", "debug", "keystone-lite")
DEFAULT_SEED = os.path.join(REPO, "seed", "demo.yaml")


# ----------------------------------------------------------------------------------------------
# server handling


class Server:
    def __init__(self, binary, seed, extra_args=()):
        self.data_dir = tempfile.mkdtemp(prefix="ksl-probe-")
        self.proc = subprocess.Popen(
            [binary, "--seed", seed, "--data-dir", self.data_dir, "--listen", "127.0.0.1:0",
             *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"server did not print its URL (got {line!r})")
        hostport = line[len("http://"):].split("/")[0]
        host, port = hostport.rsplit(":", 1)
        self.addr = (host, int(port))
        self.url = line

    def status(self, key):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for l in f:
                    if l.startswith(key + ":"):
                        return int(l.split()[1])
        except OSError:
            return None
        return None

    def threads(self):
        return self.status("Threads")

    def rss_mb(self):
        v = self.status("VmRSS")
        return None if v is None else round(v / 1024, 1)

    def peak_rss_mb(self):
        v = self.status("VmHWM")
        return None if v is None else round(v / 1024, 1)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(self.data_dir, ignore_errors=True)


class RemoteServer:
    """--url: no /proc figures."""

    def __init__(self, url):
        hostport = url[len("http://"):].split("/")[0]
        host, port = hostport.rsplit(":", 1)
        self.addr = (host, int(port))
        self.url = url

    threads = rss_mb = peak_rss_mb = lambda self: None

    def alive(self):
        return True

    def stop(self):
        pass


# ----------------------------------------------------------------------------------------------
# client helpers


def connect(addr, timeout=5.0):
    s = socket.create_connection(addr, timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_status(sock, deadline):
    """Reads until the end of a response head (or the deadline); returns the status code or an
    error word."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return "timeout"
        except ConnectionResetError:
            return "reset"
        except OSError as e:
            return f"error:{e.errno}"
        if not chunk:
            return "closed" if not buf else f"partial:{buf[:40]!r}"
        buf += chunk
        # a 100 Continue interim response is not the answer
        while buf.startswith(b"HTTP/1.1 100") and b"\r\n\r\n" in buf:
            buf = buf.split(b"\r\n\r\n", 1)[1]
    try:
        return int(buf.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return f"garbage:{buf[:40]!r}"


def normal_request(addr, timeout=2.0):
    """One well-formed GET on a new connection; returns (status, seconds)."""
    t0 = time.monotonic()
    try:
        s = connect(addr, timeout)
    except OSError as e:
        return f"connect-error:{e.errno}", time.monotonic() - t0
    try:
        s.sendall(b"GET /v3 HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        st = read_status(s, t0 + timeout)
    except OSError as e:
        st = f"error:{e.errno}"
    finally:
        s.close()
    return st, time.monotonic() - t0


def latency_check(server, samples=5, timeout=2.0):
    """Up to `samples` sequential normal requests; stops at the first failure."""
    times, statuses = [], []
    for _ in range(samples):
        st, dt = normal_request(server.addr, timeout)
        statuses.append(st)
        times.append(dt)
        if st != 200:
            break
    ok = all(s == 200 for s in statuses)
    return {
        "ok": ok,
        "statuses": sorted(set(map(str, statuses))),
        "max_ms": round(max(times) * 1000, 1),
        "median_ms": round(sorted(times)[len(times) // 2] * 1000, 1),
    }


def open_many(addr, n, payload=b"", timeout=5.0):
    """n connections, each sent `payload` (maybe nothing); returns the sockets."""
    socks = []
    for _ in range(n):
        s = connect(addr, timeout)
        if payload:
            s.sendall(payload)
        socks.append(s)
    return socks


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def closed_by_server(socks):
    """How many of socks the server has closed (EOF/reset readable), without blocking."""
    n = 0
    for s in socks:
        try:
            s.setblocking(False)
            while True:
                d = s.recv(65536)
                if not d:
                    n += 1
                    break
        except BlockingIOError:
            pass
        except OSError:
            n += 1
    return n


# ----------------------------------------------------------------------------------------------
# hostile payloads (one request each, never finished)

HOST = b"Host: probe\r\n"
STUCK = {
    # head never finished (slowloris)
    "partial-head": b"GET /v3 HTTP/1.1\r\n" + HOST + b"X-Slow: 1\r\n",
    # Content-Length larger than what is sent
    "short-body": b"POST /v3/auth/tokens HTTP/1.1\r\n" + HOST
    + b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"auth\": {",
    # chunked body never terminated
    "chunked-unfinished": b"POST /v3/auth/tokens HTTP/1.1\r\n" + HOST
    + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n",
    # Expect: 100-continue and never a body
    "expect-no-body": b"POST /v3/auth/tokens HTTP/1.1\r\n" + HOST
    + b"Content-Type: application/json\r\nContent-Length: 300\r\nExpect: 100-continue\r\n\r\n",
}


# ----------------------------------------------------------------------------------------------
# scenarios: each returns a dict with at least "pass"


def sc_baseline(server, args):
    lat = latency_check(server)
    return {"pass": lat["ok"] and lat["max_ms"] <= args.latency_ms, "latency": lat,
            "threads": server.threads(), "rss_mb": server.rss_mb()}


def sc_idle(server, args):
    t0 = server.threads()
    socks = open_many(server.addr, args.idle)
    time.sleep(0.5)
    lat = latency_check(server)
    res = {"idle_connections": len(socks), "threads_before": t0, "threads_with_idle": server.threads(),
           "rss_mb": server.rss_mb(), "latency": lat}
    close_all(socks)
    res["pass"] = lat["ok"] and lat["max_ms"] <= args.latency_ms
    return res


def make_stuck(kind):
    def sc(server, args):
        t0 = server.threads()
        socks = open_many(server.addr, args.stuck, STUCK[kind])
        time.sleep(0.5)
        lat = latency_check(server)
        res = {"stuck_connections": len(socks), "threads_before": t0,
               "threads_while_stuck": server.threads(), "latency": lat}
        close_all(socks)
        res["pass"] = lat["ok"] and lat["max_ms"] <= args.latency_ms
        return res
    return sc


def sc_pipeline_noread(server, args):
    """Connections that pipeline many requests and never read a response."""
    req = b"GET / HTTP/1.1\r\n" + HOST + b"\r\n"
    socks = []
    for _ in range(args.pipeline_conns):
        s = connect(server.addr)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        sent = 0
        try:
            for _ in range(args.pipeline_depth // 500):
                s.sendall(req * 500)
                sent += 500
        except OSError:
            pass
        socks.append((s, sent))
    time.sleep(1.0)
    lat = latency_check(server)
    res = {"connections": len(socks), "requests_sent": sum(n for _, n in socks),
           "threads": server.threads(), "rss_mb": server.rss_mb(), "latency": lat}
    close_all([s for s, _ in socks])
    res["pass"] = lat["ok"] and lat["max_ms"] <= args.latency_ms
    return res


def sc_all_at_once(server, args):
    """The requirement as stated: 2,000 idle + 64 stuck of every kind, then a normal client."""
    socks = open_many(server.addr, args.idle)
    for kind, payload in STUCK.items():
        socks += open_many(server.addr, args.stuck, payload)
    time.sleep(1.0)
    lat = latency_check(server)
    res = {"connections": len(socks), "threads": server.threads(), "rss_mb": server.rss_mb(),
           "latency": lat}
    close_all(socks)
    res["pass"] = lat["ok"] and lat["max_ms"] <= args.latency_ms
    return res


def big_head_request(server, head, timeout=20.0):
    """Sends `head` (a whole request head), returns (status, rss_mb, peak_rss_mb)."""
    s = connect(server.addr, timeout)
    status = None
    t0 = time.monotonic()
    try:
        view = memoryview(head)
        while view:
            # keep an eye on an early answer (a server that refuses early may close)
            r, w, _ = select.select([s], [s], [], timeout)
            if r:
                break
            if not w:
                status = "send-timeout"
                break
            try:
                n = s.send(view[:65536])
            except (BrokenPipeError, ConnectionResetError):
                break
            view = view[n:]
        if status is None:
            status = read_status(s, t0 + timeout)
    finally:
        s.close()
    time.sleep(0.3)
    return status, server.rss_mb(), server.peak_rss_mb(), round(time.monotonic() - t0, 2)


def sc_huge_header_value(server, args):
    size = args.header_mb * 1024 * 1024
    head = (b"GET /v3 HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * size + b"\r\n\r\n")
    rss0 = server.rss_mb()
    st, rss, peak, secs = big_head_request(server, head)
    refused = st in (400, 431) or st in ("reset", "closed")
    res = {"header_bytes": size, "status": st, "seconds": secs, "rss_before_mb": rss0,
           "rss_after_mb": rss, "peak_rss_mb": peak}
    grew = None if rss0 is None or peak is None else peak - rss0
    res["peak_growth_mb"] = grew
    res["pass"] = refused and (grew is None or grew < args.max_growth_mb)
    return res


def sc_many_headers(server, args):
    head = (b"GET /v3 HTTP/1.1\r\n" + HOST
            + b"".join(b"X-H%d: v\r\n" % i for i in range(args.header_count)) + b"\r\n")
    st, rss, peak, secs = big_head_request(server, head)
    return {"headers": args.header_count, "status": st, "seconds": secs, "rss_mb": rss,
            "pass": st in (400, 431)}


def sc_long_request_line(server, args):
    head = b"GET /v3?" + b"q" * (1024 * 1024) + b" HTTP/1.1\r\n" + HOST + b"\r\n"
    st, rss, peak, secs = big_head_request(server, head)
    return {"request_line_bytes": len(head), "status": st, "seconds": secs, "rss_mb": rss,
            "pass": st in (400, 414, 431)}


def sc_http2_request_line(server, args):
    """`GET / HTTP/2.0` request lines: each must be answered (505 or 400) or closed, and leave no
    thread behind once the clients are gone."""
    t0 = server.threads()
    statuses = {}
    socks = []
    for _ in range(args.bad_version):
        s = connect(server.addr)
        s.sendall(b"GET / HTTP/2.0\r\n" + HOST + b"\r\n")
        socks.append(s)
    deadline = time.monotonic() + 2.0
    for s in socks:
        st = read_status(s, max(deadline, time.monotonic() + 0.01))
        statuses[str(st)] = statuses.get(str(st), 0) + 1
    close_all(socks)
    time.sleep(args.settle)
    t1 = server.threads()
    lat = latency_check(server)
    leaked = None if t0 is None else t1 - t0
    return {"requests": args.bad_version, "answers": statuses, "threads_before": t0,
            "threads_after_clients_closed": t1, "leaked_threads": leaked, "latency": lat,
            "pass": lat["ok"] and (leaked is None or leaked < 8)}


def sc_huge_content_length(server, args):
    """A Content-Length far past the body cap and no body: expect a 413, and the server alive."""
    s = connect(server.addr)
    s.sendall(b"POST /v3/auth/tokens HTTP/1.1\r\n" + HOST
              + b"Content-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n")
    st = read_status(s, time.monotonic() + 3)
    time.sleep(1.0)
    s.close()
    time.sleep(0.5)
    alive = server.alive()
    lat = latency_check(server) if alive else {"ok": False}
    return {"status": st, "server_alive": alive, "latency": lat,
            "pass": alive and st in (413, 400) and lat["ok"]}


def sc_over_limit_content_length(server, args):
    """`workers` requests whose Content-Length (5 MB) is past the body cap, no body sent: each
    must get its 413 and a normal client must still be served (no worker left draining)."""
    socks = open_many(server.addr, args.workers,
                      b"POST /v3/auth/tokens HTTP/1.1\r\n" + HOST
                      + b"Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n")
    statuses = {}
    for s in socks:
        st = str(read_status(s, time.monotonic() + 3))
        statuses[st] = statuses.get(st, 0) + 1
    time.sleep(0.5)
    lat = latency_check(server)
    close_all(socks)
    return {"answers": statuses, "latency": lat,
            "pass": lat["ok"] and lat["max_ms"] <= args.latency_ms}


def sc_overflow_content_length(server, args):
    """Content-Length 2^63 on `workers` connections: the workers must survive."""
    socks = []
    statuses = {}
    for _ in range(args.workers):
        s = connect(server.addr)
        s.sendall(b"POST /v3/auth/tokens HTTP/1.1\r\n" + HOST
                  + b"Content-Type: application/json\r\nContent-Length: 9223372036854775808\r\n\r\n")
        socks.append(s)
    for s in socks:
        st = str(read_status(s, time.monotonic() + 3))
        statuses[st] = statuses.get(st, 0) + 1
    close_all(socks)
    time.sleep(0.5)
    alive = server.alive()
    lat = latency_check(server) if alive else {"ok": False}
    return {"answers": statuses, "server_alive": alive, "latency": lat,
            "pass": alive and lat["ok"]}


def sc_read_timeouts(server, args):
    """Every stuck kind (and an idle connection) must be closed by the server within
    --timeout-wait seconds."""
    groups = {"idle": open_many(server.addr, 4)}
    for kind, payload in STUCK.items():
        groups[kind] = open_many(server.addr, 4, payload)
    deadline = time.monotonic() + args.timeout_wait
    closed_at = {}
    t0 = time.monotonic()
    while time.monotonic() < deadline and len(closed_at) < len(groups):
        for kind, socks in groups.items():
            if kind not in closed_at and closed_by_server(socks) == len(socks):
                closed_at[kind] = round(time.monotonic() - t0, 1)
        time.sleep(0.5)
    for socks in groups.values():
        close_all(socks)
    return {"waited_s": args.timeout_wait,
            "closed_after_s": {k: closed_at.get(k, "never") for k in groups},
            "pass": len(closed_at) == len(groups)}


SCENARIOS = [
    ("baseline", sc_baseline),
    ("idle", sc_idle),
    *[(k, make_stuck(k)) for k in STUCK],
    ("pipeline-noread", sc_pipeline_noread),
    ("all-at-once", sc_all_at_once),
    ("huge-header-value", sc_huge_header_value),
    ("many-headers", sc_many_headers),
    ("long-request-line", sc_long_request_line),
    ("http2-request-line", sc_http2_request_line),
    ("over-limit-content-length", sc_over_limit_content_length),
    ("huge-content-length", sc_huge_content_length),
    ("overflow-content-length", sc_overflow_content_length),
    ("read-timeouts", sc_read_timeouts),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=DEFAULT_BINARY)
    p.add_argument("--seed", default=DEFAULT_SEED)
    p.add_argument("--url", help="probe a running server instead (no thread/RSS figures)")
    p.add_argument("--only", help="comma-separated scenario names")
    p.add_argument("--skip", help="comma-separated scenario names")
    p.add_argument("--json", action="store_true")
    p.add_argument("--latency-ms", type=float, default=100.0)
    p.add_argument("--idle", type=int, default=2000)
    p.add_argument("--stuck", type=int, default=64)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--pipeline-conns", type=int, default=4)
    p.add_argument("--pipeline-depth", type=int, default=20000)
    p.add_argument("--header-mb", type=int, default=64)
    p.add_argument("--header-count", type=int, default=10000)
    p.add_argument("--max-growth-mb", type=float, default=32.0)
    p.add_argument("--bad-version", type=int, default=1000)
    p.add_argument("--settle", type=float, default=1.0)
    p.add_argument("--timeout-wait", type=float, default=40.0)
    args = p.parse_args()

    only = set(args.only.split(",")) if args.only else None
    skip = set(args.skip.split(",")) if args.skip else set()
    report = {}
    failed = 0
    for name, fn in SCENARIOS:
        if (only and name not in only) or name in skip:
            continue
        server = RemoteServer(args.url) if args.url else Server(args.binary, args.seed)
        t = time.monotonic()
        try:
            res = fn(server, args)
        except Exception as e:  # a probe error is a failure, not a crash of the probe
            res = {"pass": False, "probe_error": repr(e)}
        finally:
            server.stop()
        res["scenario_s"] = round(time.monotonic() - t, 1)
        report[name] = res
        failed += not res["pass"]
        if not args.json:
            print(f"{'PASS' if res['pass'] else 'FAIL'} {name}: "
                  + json.dumps({k: v for k, v in res.items() if k != 'pass'}), flush=True)
    if args.json:
        print(json.dumps(report, indent=2))
    total = len(report)
    print(f"probe: {total - failed} passed, {failed} failed", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
