"""RFC 8291 encryption, the VAPID token and the payload, without a database or a network."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gazette.alerts.push import (
    MAX_PAYLOAD,
    Notification,
    PayloadTooLarge,
    VapidSigner,
    b64url,
    b64url_decode,
    encrypt,
    payload_for,
    topic_header,
)
from gazette.alerts.sender import retry_after_seconds
from gazette.alerts.testing.receiving import decrypt, make_subscriber, verify_vapid

# RFC 8291, Appendix A.
RFC_PLAINTEXT = b"When I grow up, I want to be a watermelon"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_UA_PUBLIC = ("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SR"
                 "pkNtoIAiw4")
RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_MESSAGE = ("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3v"
               "CYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwX"
               "PXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")


def _key(private_b64: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(b64url_decode(private_b64), "big"),
                                 ec.SECP256R1())


def test_the_rfc_example_encrypts_to_the_rfc_bytes() -> None:
    body = encrypt(RFC_PLAINTEXT, RFC_UA_PUBLIC, RFC_AUTH, salt=b64url_decode(RFC_SALT),
                   sender_key=_key(RFC_AS_PRIVATE))
    assert b64url(body) == RFC_MESSAGE


def test_the_rfc_example_decrypts_with_the_user_agents_key() -> None:
    plain = decrypt(b64url_decode(RFC_MESSAGE), _key(RFC_UA_PRIVATE), b64url_decode(RFC_AUTH))
    assert plain == RFC_PLAINTEXT


def test_every_message_has_its_own_salt_and_sender_key_and_decrypts() -> None:
    subscriber = make_subscriber("http://127.0.0.1:1")
    first = encrypt(b"hello", subscriber.p256dh, subscriber.auth_b64)
    second = encrypt(b"hello", subscriber.p256dh, subscriber.auth_b64)
    assert first[:16] != second[:16] and first[21:86] != second[21:86]
    assert subscriber.decrypt(first) == subscriber.decrypt(second) == b"hello"
    # One record of at most 4,096 bytes, record size 4,096 in the header.
    assert int.from_bytes(first[16:20], "big") == 4096


def test_a_full_payload_fits_one_4096_byte_record_and_one_more_byte_is_refused() -> None:
    subscriber = make_subscriber("http://127.0.0.1:1")
    body = encrypt(b"x" * MAX_PAYLOAD, subscriber.p256dh, subscriber.auth_b64)
    assert MAX_PAYLOAD == 3993 and len(body) == 4096
    with pytest.raises(PayloadTooLarge):
        encrypt(b"x" * (MAX_PAYLOAD + 1), subscriber.p256dh, subscriber.auth_b64)


def test_a_key_off_the_curve_is_refused() -> None:
    bad = b64url(b"\x04" + b"\x01" * 64)
    with pytest.raises(ValueError):
        encrypt(b"hello", bad, b64url(b"a" * 16))


def test_vapid_token_is_signed_once_per_origin_and_renewed_before_expiry() -> None:
    signer = VapidSigner(ec.generate_private_key(ec.SECP256R1()), "mailto:desk@example.org")
    now = 1_900_000_000.0
    first = signer.header_for("https://push.example.net/send/abc", now=now)
    again = signer.header_for("https://push.example.net/send/def", now=now + 600)
    other = signer.header_for("https://fcm.example.com:8443/x", now=now)
    assert first == again and first != other and signer.signatures == 2
    token = verify_vapid(first, audience="https://push.example.net", now=now)
    assert token.claims["sub"] == "mailto:desk@example.org"
    assert token.claims["exp"] - now <= 24 * 3600
    assert f"k={signer.public_key_b64}" in first
    verify_vapid(other, audience="https://fcm.example.com:8443", now=now)
    # An hour before the token ends, a new one is signed.
    later = signer.header_for("https://push.example.net/send/abc", now=now + 11.5 * 3600)
    assert later != first and signer.signatures == 3


def test_payload_shortens_the_body_never_the_link_and_refuses_what_cannot_fit() -> None:
    url = "https://news.example.org/world/harbour-wall/"
    long = Notification(alert_id=7, title="Harbour wall gives way", body="Wörd " * 2000,
                        url=url, tag="story-3")
    payload = payload_for(long)
    data = json.loads(payload)
    assert len(payload) <= MAX_PAYLOAD
    assert data["url"] == url and data["id"] == 7 and data["tag"] == "story-3"
    assert data["body"].endswith("…") and len(data["body"]) > 500
    short = json.loads(payload_for(Notification(alert_id=1, title="T", body="B", url=url)))
    assert short == {"id": 1, "title": "T", "body": "B", "url": url}
    with pytest.raises(PayloadTooLarge):
        payload_for(Notification(alert_id=1, title="T", body="B", url=url + "x" * 4000))


def test_topic_header_is_at_most_32_url_safe_characters() -> None:
    assert topic_header("story-42") == "story-42"
    hashed = topic_header("story:42 with spaces and a very long key indeed")
    assert len(hashed) == 32 and set(hashed) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert hashed == topic_header("story:42 with spaces and a very long key indeed")


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2065 07:28:00 GMT", now=0) > 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
