"""The demo clock: `seed_demo` builds months of history through the real services, which read the time
from `django.utils.timezone.now()` (and the model defaults built on it). Inside `demo_clock(start)`
every reading of the time is the moment the demo last moved to, so each order's steps happen at
their own dates. For the demo only; production and tests keep the real clock."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.urls import get_resolver
from freezegun import freeze_time


@contextmanager
def demo_clock(start: datetime) -> Iterator[Callable[[datetime], None]]:
    """Stop the clock at `start`; yields `move_to(moment)`, which sets it to another moment."""
    # Import every view module first: a module imported for the first time inside the frozen clock
    # would keep the fake time in its class attributes after it (e.g. DRF's throttle timer).
    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
    with freeze_time(start) as frozen:
        yield frozen.move_to
