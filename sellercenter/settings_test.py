"""Settings for the test suite: the development defaults plus fast hashing and in-memory mail.

The database still comes from DATABASE_URL, so the same suite runs on SQLite or PostgreSQL.
"""

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
