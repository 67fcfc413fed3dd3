"""The demo clock: `seed_demo` builds months of history through the real services, which read the time
from `django.utils.timezone.now()` (and the model defaults built on it). Inside `demo_clock(start)`
every reading of the time is the moment the demo last moved to, so each order's steps happen at
their own dates. For the demo only; production and tests keep the real clock."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from freezegun import freeze_time


@contextmanager
def demo_clock(start: datetime) -> Iterator[Callable[[datetime], None]]:
    """Stop the clock at `start`; yields `move_to(moment)`, which sets it to another moment."""
    with freeze_time(start) as frozen:
        yield frozen.move_to
