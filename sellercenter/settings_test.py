"""Settings for the test suite: the development defaults plus fast hashing and in-memory mail.

The database still comes from DATABASE_URL, so the same suite runs on SQLite or PostgreSQL.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url

from sellercenter.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = ""
LANGUAGE_CODE = "en"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Tests log in with the test client, which calls authenticate() without the request axes needs;
# the lockout test turns it back on.
AXES_ENABLED = False
# Uploaded catalogue images (and the demo's) go to a directory of the test run, never the repository.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sellercenter-test-media-"))
# A streaming replica of the test cluster (scripts/test.sh starts one when it can). It replicates the
# test database itself, so it needs no test copy of its own. Tests read from it only where a test turns
# routing on. (Not DATABASE_REPLICA_URLS: workers started by the tests must not route to it.)
if os.environ.get("TEST_DATABASE_REPLICA_URL"):
    DATABASES["replica_0"] = dj_database_url.parse(os.environ["TEST_DATABASE_REPLICA_URL"])  # noqa: F405
for _alias in [alias for alias in DATABASES if alias.startswith("replica_")]:  # noqa: F405
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}  # noqa: F405
DATABASE_REPLICA_ROUTING = False
# On SQLite the test database is a file, not Django's in-memory default: in memory it lives only as
# long as its one connection, which the live server's threads share and the outage tests close.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _folder = Path(tempfile.mkdtemp(prefix="sellercenter-test-db-"))
    DATABASES["default"]["TEST"] = {"NAME": str(_folder / "test.sqlite3")}  # noqa: F405
