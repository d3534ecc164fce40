"""Upstream Keystone 30 on loopback, for the migration test: the `keystone` package of the
client venv (tests/clients/requirements.txt pins keystone==30.0.0), sqlite, Fernet tokens,
key repositories in the work dir, served by the standard library's WSGI server (one request at
a time is plenty for a test that populates a few objects).

    python upstream_keystone.py start PORT DIR [CONNECTION]
        # db_sync, key setup, bootstrap, serve; waits for 200. CONNECTION: the [database]
        # connection (default sqlite:///DIR/keystone.db; mysql+pymysql://... needs PyMySQL)
    python upstream_keystone.py stop DIR         # SIGTERM the server by its pid file

Run it with the client venv's python. Admin: admin / adminpwd on project admin.
"""
import os
import signal
import subprocess
import sys
import time
import urllib.request

CONF = """[DEFAULT]
log_file = {work}/keystone.log
use_stderr = false

[database]
connection = {connection}

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = {work}/fernet-keys
max_active_keys = 3

[fernet_receipts]
key_repository = {work}/fernet-keys

[credential]
key_repository = {work}/credential-keys

[identity]
# bcrypt with few rounds: the import must carry upstream's hash format, not be slow
password_hash_algorithm = bcrypt
password_hash_rounds = 4
"""


def manage(work, *args):
    keystone_manage = os.path.join(os.path.dirname(sys.executable), "keystone-manage")
    subprocess.run([keystone_manage, "--config-file", f"{work}/keystone.conf", *args],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve(port, work):
    """The child: keystone's public WSGI app on 127.0.0.1:PORT until SIGTERM."""
    os.environ["OS_KEYSTONE_CONFIG_FILES"] = f"{work}/keystone.conf"
    from wsgiref.simple_server import WSGIRequestHandler, make_server
    from keystone.server.wsgi import initialize_public_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    sys.argv = sys.argv[:1]  # oslo.config parses argv: ours are not its options
    app = initialize_public_application()
    make_server("127.0.0.1", port, app, handler_class=Quiet).serve_forever()


def start(port, work, connection=None):
    os.makedirs(work, exist_ok=True)
    connection = connection or f"sqlite:///{work}/keystone.db"
    with open(f"{work}/keystone.conf", "w") as f:
        f.write(CONF.format(work=work, connection=connection))
    url = f"http://127.0.0.1:{port}"
    manage(work, "db_sync")
    manage(work, "fernet_setup", "--keystone-user", str(os.getuid()),
           "--keystone-group", str(os.getgid()))
    manage(work, "credential_setup", "--keystone-user", str(os.getuid()),
           "--keystone-group", str(os.getgid()))
    manage(work, "bootstrap", "--bootstrap-username", "admin", "--bootstrap-password",
           "adminpwd", "--bootstrap-project-name", "admin", "--bootstrap-role-name", "admin",
           "--bootstrap-service-name", "keystone", "--bootstrap-region-id", "RegionOne",
           "--bootstrap-public-url", f"{url}/v3", "--bootstrap-internal-url", f"{url}/v3")
    log = open(f"{work}/server.log", "w")
    child = subprocess.Popen([sys.executable, __file__, "serve", str(port), work],
                             stdout=log, stderr=log, start_new_session=True)
    with open(f"{work}/keystone.pid", "w") as f:
        f.write(str(child.pid))
    deadline = time.time() + 60
    while time.time() < deadline:
        if child.poll() is not None:
            sys.exit(f"upstream keystone exited; see {work}/server.log")
        try:
            with urllib.request.urlopen(f"{url}/v3", timeout=5) as resp:
                if resp.status == 200:
                    print(f"upstream keystone up on {url} (pid {child.pid})", file=sys.stderr)
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"upstream keystone did not answer on {url} within 60 s")


def stop(work):
    try:
        with open(f"{work}/keystone.pid") as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "start" and len(sys.argv) in (4, 5):
        start(int(sys.argv[2]), os.path.abspath(sys.argv[3]), (sys.argv[4:] or [None])[0])
    elif command == "serve" and len(sys.argv) == 4:
        serve(int(sys.argv[2]), sys.argv[3])
    elif command == "stop" and len(sys.argv) == 3:
        stop(os.path.abspath(sys.argv[2]))
    else:
        sys.exit(__doc__)
