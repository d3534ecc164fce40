"""pytest glue: the fixtures and the KSL_URL check live in ksl_common.py."""
from ksl_common import admin_session, pytest_configure, seed  # noqa: F401
