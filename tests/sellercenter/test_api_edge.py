"""The API's edge, as a hostile client meets it: every error in the one shape, on every path and method."""

import json
import logging
import re

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from sellercenter.models import ApiKey
from tests.sellercenter.factories import api_key_secret

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sellercenter.api_views_for_tests")]

KEYS = "/api/test/keys"


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert body["error"]["message"]
    return body["error"]


def _post_json(api, path, body: bytes | str, **extra):
    return api.generic("POST", path, body, content_type="application/json", **extra)


# --- Unknown paths, methods and CSRF ----------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET", "OPTIONS"])
def test_every_method_on_an_unknown_api_path_is_the_json_404(owner, method):
    session = Client(enforce_csrf_checks=True)
    session.force_login(owner)

    response = session.generic(method, "/api/v1/no-such-thing", b'{"a": 1}', content_type="application/json")

    assert _error(response, 404)["code"] == "not_found"


def test_api_key_requests_are_not_subject_to_csrf(shop):
    secret = api_key_secret(shop)
    browser_like = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Api-Key {secret}")

    response = browser_like.post(KEYS, {"name": "Kho"}, content_type="application/json")

    assert response.status_code == 201


def test_session_requests_still_need_the_csrf_token(owner):
    session = Client(enforce_csrf_checks=True)
    session.force_login(owner)

    response = session.post(KEYS, {"name": "Kho"}, content_type="application/json")

    assert "CSRF" in _error(response, 403)["message"]
    assert not ApiKey.objects.filter(name="Kho").exists()


def test_a_failed_csrf_check_outside_drf_answers_the_shape(rf):
    from sellercenter.api.exceptions import csrf_failure

    response = csrf_failure(rf.post("/api/schema/"), reason="CSRF cookie not set.")

    assert _error(response, 403)["code"] == "csrf_failed"


def _api_paths(resolver=None, prefix=""):
    """Every concrete route under /api/v1/, with 1 for each path parameter."""
    resolver = resolver or get_resolver("sellercenter.urls")
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from _api_paths(pattern, prefix + route)
        elif isinstance(pattern, URLPattern) and (prefix + route).startswith("api/v1/"):
            yield "/" + _fill(prefix + route)


def _fill(route: str) -> str:
    route = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    # re_path actions: the first alternative of the group.
    return re.sub(r"\(\?P<\w+>([^|)]+)[^)]*\)", r"\1", route)


@pytest.mark.urls("sellercenter.urls")
def test_options_on_every_endpoint_answers_without_a_server_error(api):
    paths = sorted(set(_api_paths()))
    assert "/api/v1/promotions/campaigns" in paths and "/api/v1/promotions/campaigns/1/vouchers" in paths

    for path in paths:
        response = api.options(path)
        assert response.status_code < 500, (path, response.status_code, response.content[:200])
        assert response["Content-Type"].startswith("application/json"), path


def test_wrong_method_is_405_in_the_shape(api):
    assert _error(api.put("/api/v1/shop", {}, format="json"), 405)["code"] == "method_not_allowed"


def test_form_bodies_are_415(api):
    response = api.post(KEYS, {"name": "Kho"}, format="multipart")

    assert _error(response, 415)["code"] == "unsupported_media_type"


# --- Body size, depth, characters PostgreSQL cannot store -------------------------------------------


@override_settings(API_MAX_BODY_BYTES=1024)
def test_a_body_over_the_limit_is_413_and_changes_nothing(api):
    body = json.dumps({"name": "x" * 2000})

    error = _error(_post_json(api, KEYS, body), 413)

    assert error["code"] == "too_large"
    assert error["details"] == {"max_bytes": 1024}
    assert not ApiKey.objects.filter(name__startswith="xxx").exists()


def test_a_few_megabytes_are_413_not_an_html_page(api):
    error = _error(_post_json(api, KEYS, json.dumps({"name": "x" * 3_000_000})), 413)

    assert error["code"] == "too_large"


@pytest.mark.urls("sellercenter.urls")
@override_settings(API_MAX_BODY_BYTES=1024, API_EVENTS_MAX_BODY_BYTES=64 * 1024)
def test_events_batches_have_their_own_limit(api):
    events = [
        {"event_id": f"e-{n}", "type": "page_view", "occurred_at": "2026-01-01T00:00:00Z", "anonymous_id": "a"}
        for n in range(40)
    ]

    response = _post_json(api, "/api/v1/events", json.dumps({"events": events}))

    assert response.status_code == 200
    assert response.json()["accepted"] == 40


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_json_is_400_not_a_recursion_error(api, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * 20_000 + "1" + closer * 20_000

    error = _error(_post_json(api, KEYS, body), 400)

    assert error["code"] == "parse_error"


@override_settings(API_MAX_JSON_DEPTH=5)
def test_nesting_beyond_the_setting_is_400(api):
    error = _error(_post_json(api, KEYS, json.dumps({"name": "Kho", "x": [[[[[[1]]]]]]})), 400)

    assert "5" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "Kho\\u0000"}', "name"),
        ('{"name": "Kho", "extra": {"deep": ["ok", "bad\\u0000"]}}', "extra.deep.1"),
        ('{"name": "Kho", "ke\\u0000y": 1}', "ke\\u0000y"),
        ('{"name": "Kho\\ud800"}', "name"),
        # Escapes in capitals decode to the same characters.
        ('{"name": "Kho\\uDFFF"}', "name"),
        ('{"name": "Kho", "note": "\\uD83D alone"}', "note"),
    ],
)
def test_characters_postgresql_cannot_store_are_400_naming_the_field(api, body, field):
    error = _error(_post_json(api, KEYS, body), 400)

    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert not ApiKey.objects.filter(name__startswith="Kho").exists()


def test_an_escaped_backslash_before_u0000_is_plain_text_and_stored(api):
    # Six characters, a backslash and "u0000", not a NUL: the key is made with that name.
    response = _post_json(api, KEYS, '{"name": "Kho \\\\u0000 \\ud83d\\ude00", "scopes": ["back_office"]}')

    assert response.status_code == 201, response.content
    assert ApiKey.objects.get(name__startswith="Kho").name == "Kho \\u0000 \U0001f600"


@pytest.mark.urls("sellercenter.urls")
def test_a_nul_in_the_path_or_the_query_is_400(api):
    assert "path" in _error(api.get("/api/v1/orders/SC%00"), 400)["fields"]
    assert "search" in _error(api.get("/api/v1/customers?search=a%00"), 400)["fields"]


@pytest.mark.urls("sellercenter.urls")
def test_in_an_events_batch_only_the_event_with_a_nul_is_rejected(api):
    good = {"type": "page_view", "occurred_at": "2026-01-01T00:00:00Z", "anonymous_id": "a"}
    body = json.dumps(
        {
            "events": [
                {**good, "event_id": "ok-1"},
                {**good, "event_id": "bad-1", "properties": {"url": "/a\u0000b"}},
                {**good, "event_id": "bad-2", "properties": {"k\u0000": 1}},
                {**good, "event_id": "ok-2"},
            ]
        }
    )

    response = _post_json(api, "/api/v1/events", body)

    assert response.status_code == 200
    result = response.json()
    assert (result["accepted"], result["rejected"]) == (2, 2)
    assert [r["status"] for r in result["results"]] == ["accepted", "rejected", "rejected", "accepted"]
    assert "properties.url" in result["results"][1]["errors"]
    assert "properties.k\\u0000" in result["results"][2]["errors"]


@pytest.mark.urls("sellercenter.urls")
def test_an_events_batch_whose_one_bad_character_is_escaped_in_capitals_rejects_that_event(api):
    event = '{"event_id": "%s", "type": "page_view", "occurred_at": "2026-01-01T00:00:00Z", "anonymous_id": "a"'
    body = f'{{"events": [{event % "ok"}}}, {event % "bad"}, "properties": {{"url": "/\\uDC00"}}}}]}}'

    result = _post_json(api, "/api/v1/events", body).json()

    assert [r["status"] for r in result["results"]] == ["accepted", "rejected"]
    assert "properties.url" in result["results"][1]["errors"]


@override_settings(LANGUAGE_CODE="vi")
def test_malformed_json_is_400_with_a_translated_message(api):
    response = _post_json(api, KEYS, '{"name": ', HTTP_ACCEPT_LANGUAGE="vi")

    error = _error(response, 400)
    assert error["code"] == "parse_error"
    assert "JSON" in error["message"]
    assert error["message"] == "Nội dung không phải JSON hợp lệ (dòng 1, cột 10)."


# --- Unexpected exceptions --------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_exception_is_500_with_a_request_id_the_log_carries(api, caplog, settings, debug):
    settings.DEBUG = debug
    with caplog.at_level(logging.ERROR, logger="sellercenter.api"):
        response = api.get("/api/test/raise/unexpected")

    error = _error(response, 500)
    request_id = error["details"]["request_id"]
    assert request_id == response["X-Request-ID"]
    assert "Traceback" not in response.content.decode()
    assert any(request_id in record.getMessage() and record.exc_info for record in caplog.records)


# --- Headers ----------------------------------------------------------------------------------------


def test_authenticated_api_answers_are_not_stored(api):
    response = api.get("/api/v1/shop")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Request-ID"]


def _script_src(response) -> str:
    return next(part for part in response["Content-Security-Policy"].split(";") if "script-src" in part)


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    for path in ("/admin/login/", "/api/docs/", "/api/redoc/"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in _script_src(response)
        assert "frame-ancestors 'none'" in policy
        assert "camera=()" in response["Permissions-Policy"]


def test_only_the_admin_may_evaluate_strings_for_its_alpine_js(client):
    assert "'unsafe-eval'" in _script_src(client.get("/admin/login/"))
    assert "'unsafe-eval'" not in _script_src(client.get("/api/docs/"))


def test_the_api_docs_have_no_inline_script(client):
    html = client.get("/api/docs/").content.decode()

    inline = [tag for tag in re.findall(r"<script[^>]*>", html) if "src=" not in tag]
    assert inline == []
    script_url = re.search(r'<script src="([^"]*\?script=?)"', html).group(1)
    assert client.get(script_url).status_code == 200


@pytest.mark.urls("sellercenter.urls")
def test_a_csv_download_may_be_asked_for_as_csv(api):
    response = api.get("/api/v1/finance/lines.csv?from=2026-01-01&to=2026-01-31", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    missing = api.get("/api/v1/finance/statements/999999/lines.csv", HTTP_ACCEPT="text/csv")
    assert _error(missing, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("charset", "body"),
    [
        # A lone surrogate in the text itself, not as an escape: these decodings make one.
        ("utf-7", b'{"name": "Kho", "note": "+2AA-"}'),
        ("unicode_escape", b'{"name": "Kho", "note": "\\ud800"}'),
    ],
)
def test_a_lone_surrogate_the_charset_decodes_to_is_400_naming_the_field(api, charset, body):
    response = api.post(KEYS, body, content_type=f"application/json; charset={charset}")

    error = _error(response, 400)
    assert "note" in error["fields"]
    assert not ApiKey.objects.filter(name__startswith="Kho").exists()
