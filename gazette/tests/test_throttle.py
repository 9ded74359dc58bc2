"""Hourly allowances per network (the privacy requests' and the contact page's)."""

from __future__ import annotations

from gazette.throttle import WINDOW_SECONDS, hourly_allow, network_key


def test_a_network_is_hashed_never_stored_and_an_ipv6_64_counts_as_one():
    key = network_key("2001:db8:1:2::5")
    assert key == network_key("2001:db8:1:2:ffff::9")
    assert key != network_key("2001:db8:1:3::5")
    assert "2001" not in key and len(key) == 24
    assert network_key("203.0.113.5") != network_key("203.0.113.6")
    assert network_key("203.0.113.5", purpose=b"a") != network_key("203.0.113.5", purpose=b"b")
    assert network_key("not an address") == network_key(None)


def test_the_allowance_is_spent_then_renewed_the_next_hour():
    now = 1_000 * WINDOW_SECONDS + 10
    assert [hourly_allow("t:", "k", 3, now=now) for _ in range(4)] == [True, True, True, False]
    assert hourly_allow("t:", "other", 3, now=now) is True
    assert hourly_allow("t:", "k", 3, now=now + WINDOW_SECONDS) is True
    assert all(hourly_allow("t:", "k", 0, now=now) for _ in range(5))  # 0: no limit
