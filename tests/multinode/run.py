"""Several keystone-lite nodes on one PostgreSQL behind HAProxy (see cluster.py): the checks
of checks.py, then tempest's identity suite at --concurrency 4 through the balancer (by
tests/clients/run.sh with KSL_URL set to it). Exit 0 only if every check passed and tempest
passed every test it ran.

    python3 tests/multinode/run.py BINARY
Env: KSL_MULTINODE_TEMPEST=0 skips tempest; KSL_KEEP=1 keeps the cluster's directory.
"""

import os
import subprocess
import sys
import time
import traceback

from checks import CHECKS
from cluster import REPO, Cluster

TEMPEST_REGEX = r"^(tempest\.api\.identity\.|keystone_tempest_plugin\.tests\.api\.identity\.)"


def run_tempest(c):
    env = dict(os.environ, KSL_URL=c.url, KSL_EXPECT_DEMO_SEED="1", KSL_SKIP_PYTEST="1",
               KSL_SKIP_IDP="1", KSL_SKIP_MAPPING="1", KSL_TEMPEST_CONCURRENCY="4",
               KSL_TEMPEST_REGEX=TEMPEST_REGEX)
    env.pop("KSL_KEYS", None)
    return subprocess.run([os.path.join(REPO, "tests", "clients", "run.sh")], env=env).returncode


def tempest_was_balanced(c, before):
    """Every balanced node served a fair share of tempest's requests and the edge none (the
    catalog names the balancer, so a client following it stays behind it)."""
    served = [after - b for after, b in zip(
        [n.requests_served() for n in c.nodes + [c.edge]], before)]
    total = sum(served[:-1])
    print("[multinode] tempest's requests per node: %s, edge %d" % (
        ", ".join("%s %d" % (n.name, s) for n, s in zip(c.nodes, served)), served[-1]))
    return served[-1] == 0 and all(s >= total / (2 * len(c.nodes)) for s in served[:-1])


def main():
    binary = os.path.abspath(sys.argv[1])
    keep = os.environ.get("KSL_KEEP") == "1"
    t0 = time.monotonic()
    c = Cluster(binary)
    print("[multinode] cluster up in %.1f s: nodes %s, edge %s, HAProxy %s, primary %s, "
          "replica %s" % (time.monotonic() - t0, [n.url for n in c.nodes], c.edge.url, c.url,
                          c.primary_url, c.replica_url), flush=True)
    failed = []
    try:
        for check in CHECKS:
            t1 = time.monotonic()
            try:
                detail = check(c)
                print("[multinode] PASS %s (%.1f s): %s" % (
                    check.__name__, time.monotonic() - t1, detail), flush=True)
            except Exception:   # one failed check must not hide the others
                failed.append(check.__name__)
                print("[multinode] FAIL %s" % check.__name__, flush=True)
                traceback.print_exc()
        if os.environ.get("KSL_MULTINODE_TEMPEST", "1") != "0":
            before = [n.requests_served() for n in c.nodes + [c.edge]]
            if run_tempest(c) != 0:
                failed.append("tempest")
            if not tempest_was_balanced(c, before):
                failed.append("balance")
        for n in c.nodes + [c.edge]:
            if "panicked" in n.log():
                failed.append("panic in " + n.name)
    finally:
        if failed:
            for n in c.nodes + [c.edge]:
                print("[multinode] last lines of %s's log:\n%s" % (
                    n.name, "\n".join(n.log().splitlines()[-15:])), file=sys.stderr)
        c.close(keep=keep or bool(failed))
        if keep or failed:
            print("[multinode] kept %s" % c.dir)
    print("[multinode] %s in %.0f s" % ("FAILED: " + ", ".join(failed) if failed else "OK",
                                        time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
