"""At the end of the session: no SK, security token, MFA seed or password any test used (conftest
SECRETS, filled by remember()) appears in the server log."""
from conftest import SECRETS


def test_no_secret_in_the_server_log(server):
    log = server.log_text()
    assert len(SECRETS) >= 5
    leaked = [s[:4] + "..." for s in SECRETS if s and s in log]
    assert not leaked, f"secrets in the server log: {leaked}"
