"""Settings come from the environment; production refuses to start without its secrets."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from sellercenter.environment import email_settings_from_url, env_bool, env_list

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="shop.example.vn")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="shop.example.vn",
        SHIPPING_CREDENTIALS_KEY="R0hOLWFuZC1HSFRLLWNyZWRlbnRpYWxzLWtleS0zMmI=",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_key_for_carrier_credentials():
    result = _manage(
        "check", DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="shop.example.vn"
    )

    assert result.returncode != 0
    assert "SHIPPING_CREDENTIALS_KEY must be set" in result.stderr


def test_an_unknown_environment_name_is_refused():
    result = _manage("check", DJANGO_ENV="staging")

    assert result.returncode != 0
    assert "DJANGO_ENV must be" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "refusal"),
    [
        ("API_NUM_PROXIES", "-1", "API_NUM_PROXIES must be 0 or more"),
        # Read at every request, it would have made each one a 500.
        ("API_RATE_PER_ADDRESS", "lots", "API_RATE_PER_ADDRESS must be a count per second, minute, hour or day"),
    ],
)
def test_an_api_setting_it_cannot_work_with_is_refused_at_start(variable, value, refusal):
    result = _manage("check", **{variable: value})

    assert result.returncode != 0
    assert refusal in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mailer:p%40ss@smtp.example.vn:2525?tls=1",
            {
                "EMAIL_HOST": "smtp.example.vn",
                "EMAIL_PORT": 2525,
                "EMAIL_HOST_USER": "mailer",
                "EMAIL_HOST_PASSWORD": "p@ss",
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        ("smtps://smtp.example.vn", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False}),
        ("submission://smtp.example.vn", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True}),
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        ("file:///var/mail/out", {"EMAIL_FILE_PATH": "/var/mail/out"}),
    ],
)
def test_email_url(url, expected):
    parsed = email_settings_from_url(url)

    assert {key: parsed[key] for key in expected} == expected


def test_email_url_with_an_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'pop3'"):
        email_settings_from_url("pop3://mail.example.vn")


def test_env_bool_and_list(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    monkeypatch.setenv("HOSTS", "a.vn, b.vn,,")
    assert env_bool("FLAG") is True
    assert env_list("HOSTS") == ["a.vn", "b.vn"]
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be a boolean"):
        env_bool("FLAG")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"server_side_binding": True, "prepare_threshold": 5}),
        # Through PgBouncer in transaction mode a prepared statement may be unknown to the next server
        # connection (tests/sellercenter/test_pgbouncer.py): never prepared, whatever else is set.
        ({"DATABASE_POOL_MODE": "transaction"}, {"prepare_threshold": None}),
        ({"DATABASE_POOL_MODE": "transaction", "DATABASE_PREPARED_STATEMENTS": "1"}, {"prepare_threshold": None}),
        ({"DATABASE_PREPARED_STATEMENTS": "0"}, {"prepare_threshold": None}),
    ],
)
def test_postgresql_prepares_statements_unless_told_not_or_pooled_by_transaction(env, expected):
    # The settings are read without connecting: port 1 answers nothing.
    database = {
        "DATABASE_URL": "postgres://shop@127.0.0.1:1/shop",
        "DATABASE_REPLICA_URLS": "postgres://shop@127.0.0.1:1/copy",
    }
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print([d['OPTIONS'] for d in settings.DATABASES.values()])",
        **database,
        **env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr([expected, expected])
