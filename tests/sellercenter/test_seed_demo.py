"""`seed_demo` refuses production. That it is idempotent, prints the logins and a working API key is
tested on the demo database of tests/sellercenter/test_demo_story.py, which seeds it once for both."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
