from django.conf import settings

from sellercenter.celery import app


def test_the_beat_runs_the_orders_jobs_and_they_exist():
    entries = {name: entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if name.startswith("orders-")}

    assert {entry["task"] for entry in entries.values()} == {
        "orders.tasks.orders_expire_unpaid",
        "orders.tasks.orders_complete_due",
        "orders.tasks.shipments_poll",
    }
    app.loader.import_default_modules()
    assert all(entry["task"] in app.tasks for entry in entries.values())
