"""Seller Center: project wiring and the shared kernel (shops, roles, API keys, money, errors)."""

from sellercenter.celery import app as celery_app

__all__ = ["celery_app"]
