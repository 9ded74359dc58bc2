"""The SSRF guard on push endpoints: literal addresses and 'localhost' only, never the network."""

from __future__ import annotations

import socket

import pytest

from gazette.alerts import ssrf
from gazette.alerts.ssrf import endpoint_allowed


@pytest.fixture
def resolves_to(monkeypatch):
    """Make every name resolve to the given addresses (no DNS query leaves the machine)."""

    def install(*addresses: str) -> None:
        def fake_getaddrinfo(host, port, *args, **kwargs):
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, port)) for a in addresses]

        monkeypatch.setattr(ssrf.socket, "getaddrinfo", fake_getaddrinfo)

    return install


@pytest.mark.parametrize("url", [
    "https://93.184.216.34/push/abc",
    "https://[2606:4700:4700::1111]/push/abc",
    "https://93.184.216.34:8443/push",
])
def test_public_https_literal_is_allowed(settings, url):
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False
    assert endpoint_allowed(url) is None


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/push",
    "https://[::1]/push",
    "https://10.1.2.3/push",
    "https://172.16.0.1/push",
    "https://192.168.1.1/push",
    "https://169.254.169.254/latest/meta-data",
    "https://[fe80::1]/push",
    "https://[fc00::1]/push",
    "https://0.0.0.0/push",
    "https://[::]/push",
    "https://224.0.0.1/push",
    "https://240.0.0.1/push",
    "https://100.64.0.1/push",
    "https://[::ffff:10.0.0.1]/push",
    "https://[::ffff:127.0.0.1]/push",
    "https://localhost/push",
])
def test_internal_addresses_refused_without_the_setting(settings, url):
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False
    assert endpoint_allowed(url) is not None


@pytest.mark.parametrize("url", [
    "http://93.184.216.34/push",
    "ftp://93.184.216.34/push",
    "javascript:alert(1)",
    "not a url",
    "https://",
    "https://user:pw@93.184.216.34/push",
    "https://93.184.216.34:99999/push",
    "https://93.184.216.34/" + "a" * 3000,
    "",
])
def test_malformed_or_plain_http_refused(settings, url):
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False
    assert endpoint_allowed(url) is not None


def test_insecure_setting_allows_http_on_loopback_only(settings):
    settings.GAZETTE_PUSH_ALLOW_INSECURE = True
    assert endpoint_allowed("http://127.0.0.1:8999/push/1") is None
    assert endpoint_allowed("http://[::1]:8999/push/1") is None
    assert endpoint_allowed("http://localhost:8999/push/1") is None
    assert endpoint_allowed("http://93.184.216.34/push") is not None
    for internal in ("10.0.0.1", "192.168.0.10", "169.254.169.254", "0.0.0.0", "[fe80::1]"):
        assert endpoint_allowed(f"http://{internal}/push") is not None
        assert endpoint_allowed(f"https://{internal}/push") is not None


def test_every_resolved_address_must_be_public(settings, resolves_to):
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False
    resolves_to("93.184.216.34")
    assert endpoint_allowed("https://push.example.test/x") is None
    resolves_to("93.184.216.34", "10.0.0.5")
    assert "private" in endpoint_allowed("https://push.example.test/x")
    resolves_to("127.0.0.1")
    assert "loopback" in endpoint_allowed("https://push.example.test/x")


def test_name_that_does_not_resolve_is_refused(settings, monkeypatch):
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False

    def fail(*args, **kwargs):
        raise socket.gaierror("no such name")

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", fail)
    assert "resolve" in endpoint_allowed("https://push.example.test/x")


def test_without_resolving_names_pass_but_literals_are_checked(settings, monkeypatch):
    settings.GAZETTE_PUSH_ALLOW_INSECURE = False

    def forbidden(*args, **kwargs):
        raise AssertionError("resolve=False must not resolve")

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", forbidden)
    assert endpoint_allowed("https://push.example.test/x", resolve=False) is None
    assert endpoint_allowed("https://10.0.0.1/x", resolve=False) is not None
