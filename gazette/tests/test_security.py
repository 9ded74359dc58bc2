import re

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_reader_pages_carry_a_strict_content_security_policy(article):
    response = Client().get(article.url)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response


def test_reader_pages_load_nothing_from_other_origins(article):
    html = Client().get(article.url).content.decode()
    # Scripts only from our own origin (the discussion's), never inline but for JSON-LD data.
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, "the discussion's script is on the page"
    for attributes, body in scripts:
        if 'type="application/ld+json"' in attributes:
            continue
        # data-* attributes may hand the script a path of our own (the read counter's).
        assert re.fullmatch(r'\s*src="/static/[^"]+"(\s+data-[a-z-]+="/[^"/][^"]*")*(\s+defer)?\s*',
                            attributes), attributes
        assert not body.strip()
    for marker in ('src="http', "src='http", 'href="//', 'src="//', "srcset=\"http"):
        assert marker not in html


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO",
                                                                          "https"))
def test_hsts_over_https(article):
    response = Client().get(article.url, headers={"x-forwarded-proto": "https"}, secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_admin_login_is_throttled_after_repeated_failures(django_user_model, settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    django_user_model.objects.create_superuser("admin", "a@example.org", "right-password-123")
    client = Client()
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong"})
        assert response.status_code == 200
    blocked = client.post("/admin/login/", {"username": "admin", "password": "right-password-123"})
    assert blocked.status_code == 429
    assert "Retry-After" in blocked
    # Another address guessing the same account is refused too.
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.post("/admin/login/", {"username": "admin", "password": "x"}).status_code == 429


def test_successful_login_below_the_limit(django_user_model):
    django_user_model.objects.create_superuser("admin", "a@example.org", "right-password-123")
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "admin", "password": "right-password-123"})
    assert response.status_code == 302


def test_server_error_page_is_friendly(settings, client):
    settings.DEBUG = False
    from gazette.views import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_a_database_that_is_away_is_a_503_to_retry_not_a_500():
    from django.db import OperationalError

    from gazette.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(None)
    assert response.status_code == 503
    assert response["Retry-After"] == "5" and response["Cache-Control"] == "no-store"
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(None).status_code == 500
