"""The transaction of an API write, opened once, at the view.

`durable=True` makes it the outermost transaction or an error: a write can never silently join a
transaction someone opened around it, so its row locks, its on-commit side effects (e-mails, tasks,
events) and its rollback on refusal cover exactly the request."""

import functools

from django.db import transaction


def api_write(handler):
    """Decorate a view method (post/put/patch/delete) to run it in one durable transaction."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        with transaction.atomic(durable=True):
            return handler(view, request, *args, **kwargs)

    return wrapper
