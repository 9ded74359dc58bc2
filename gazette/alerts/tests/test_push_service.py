"""The tests' own push service (gazette.alerts.testing): it must read what a standard sender
writes and refuse what a push service refuses, or every alerts test built on it proves nothing.

The sender here is pywebpush (with http_ece and py_vapid), an implementation apart from ours.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import time

import http_ece
import pytest
import pywebpush
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from py_vapid import Vapid

from gazette.alerts.testing import (
    DecryptionError,
    PushService,
    Subscriber,
    VapidError,
    decrypt,
    verify_vapid,
)
from gazette.alerts.testing.receiving import b64url_decode, b64url_encode

CONTACT = "mailto:newsroom@example.org"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def service():
    with PushService() as running:
        yield running


@pytest.fixture(scope="module")
def vapid() -> Vapid:
    key = Vapid()
    key.generate_keys()
    return key


def vapid_public(key: Vapid) -> str:
    return b64(key.public_key.public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint))


def authorization(key: Vapid, audience: str, **claims: object) -> str:
    return key.sign({"sub": CONTACT, "aud": audience, **claims})["Authorization"]


def jwt(key: Vapid, alg: str = "ES256", **claims: object) -> str:
    """A JWT signed with ``key`` over exactly these claims (py_vapid insists on a sub)."""
    claims.setdefault("exp", int(time.time()) + 3600)
    signing_input = (b64(json.dumps({"typ": "JWT", "alg": alg}).encode()) + "."
                     + b64(json.dumps(claims).encode()))
    r, s = decode_dss_signature(key.private_key.sign(signing_input.encode(),
                                                     ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def encrypted(subscriber: Subscriber, payload: bytes) -> bytes:
    """An aes128gcm body written by http_ece, not by us."""
    return http_ece.encrypt(payload, private_key=ec.generate_private_key(ec.SECP256R1()),
                            dh=subscriber.public_point, auth_secret=subscriber.auth,
                            version="aes128gcm")


def post(service: PushService, subscriber: Subscriber, body: bytes,
         headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(service.host, service.port, timeout=10)
    try:
        connection.request("POST", f"/push/{subscriber.id}", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def good_headers(key: Vapid, service: PushService, **extra: str) -> dict[str, str]:
    return {"TTL": "60", "Content-Encoding": "aes128gcm",
            "Authorization": authorization(key, service.origin), **extra}


# --- Decryption -----------------------------------------------------------------------------


def test_rfc_8291_example_decrypts():
    """RFC 8291 section 5 and Appendix A: the user agent's keys and the message body."""
    ua_private = ec.derive_private_key(
        int.from_bytes(b64url_decode("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"), "big"),
        ec.SECP256R1())
    body = b64url_decode(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLoc"
        "InmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLV"
        "WGNWQexSgSxsj_Qulcy4a-fN")
    auth = b64url_decode("BTBZMqHH6r4Tts7J_aSIgg")
    assert b64url_encode(ua_private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)) == (
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4")
    assert decrypt(body, ua_private, auth) == b"When I grow up, I want to be a watermelon"
    # One flipped bit anywhere in the record, or another auth secret, and nothing is read.
    with pytest.raises(DecryptionError):
        decrypt(body[:-1] + bytes([body[-1] ^ 1]), ua_private, auth)
    with pytest.raises(DecryptionError):
        decrypt(body, ua_private, bytes(16))


def test_http_ece_bodies_decrypt_with_padding_and_refuse_two_records(service):
    subscriber = service.make_subscriber()
    payload = "Flood warning for the river towns ✓".encode()
    assert subscriber.decrypt(encrypted(subscriber, payload)) == payload
    # A message split into several records is not a push message (RFC 8291 section 4).
    split = http_ece.encrypt(b"x" * 100, private_key=ec.generate_private_key(ec.SECP256R1()),
                             dh=subscriber.public_point, auth_secret=subscriber.auth,
                             version="aes128gcm", rs=40)
    with pytest.raises(DecryptionError, match="one record"):
        subscriber.decrypt(split)
    other = service.make_subscriber()
    with pytest.raises(DecryptionError):
        other.decrypt(encrypted(subscriber, payload))


def test_key_lines_round_trip(service):
    subscriber = service.make_subscriber("reader-1")
    again = Subscriber.from_line(subscriber.to_line(), service.origin)
    assert again.endpoint == f"{service.origin}/push/reader-1"
    assert (again.p256dh, again.auth_b64) == (subscriber.p256dh, subscriber.auth_b64)
    assert again.decrypt(encrypted(subscriber, b"hello")) == b"hello"
    keys = subscriber.subscription_json()["keys"]
    assert len(b64url_decode(keys["p256dh"])) == 65 and len(b64url_decode(keys["auth"])) == 16


# --- End to end through pywebpush -----------------------------------------------------------


def test_pywebpush_round_trip_records_payload_and_headers(service, vapid):
    subscriber = service.make_subscriber(application_server_key=vapid_public(vapid))
    payload = {"title": "Bridge closed", "url": "https://example.org/news/bridge/"}
    response = pywebpush.webpush(
        subscriber.subscription_json(), data=json.dumps(payload), vapid_private_key=vapid,
        vapid_claims={"sub": CONTACT}, ttl=120,
        headers={"Urgency": "high", "Topic": "story-42"})
    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"/message/{subscriber.id}/")
    (message,) = service.messages(subscriber.id)
    assert message.data() == payload
    assert (message.ttl, message.urgency, message.topic) == (120, "high", "story-42")
    assert message.vapid is not None and message.vapid.subject == CONTACT
    assert message.vapid.claims["aud"] == service.origin
    assert service.received[subscriber.id] == 1 and service.answered == {201: 1}


def test_many_messages_on_one_kept_alive_connection(service, vapid):
    subscribers = [service.make_subscriber() for _ in range(5)]
    connection = http.client.HTTPConnection(service.host, service.port, timeout=10)
    headers = good_headers(vapid, service)
    for round_ in range(4):
        for subscriber in subscribers:
            body = encrypted(subscriber, f"{subscriber.id} {round_}".encode())
            connection.request("POST", f"/push/{subscriber.id}", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 201
    connection.close()
    for subscriber in subscribers:
        assert [m.payload for m in service.messages(subscriber.id)] == [
            f"{subscriber.id} {n}".encode() for n in range(4)]


def test_pipelined_requests_are_answered_in_order(service, vapid):
    subscriber = service.make_subscriber()
    authorization_header = authorization(vapid, service.origin)
    requests = b""
    for n in range(3):
        body = encrypted(subscriber, str(n).encode())
        requests += (f"POST /push/{subscriber.id} HTTP/1.1\r\nHost: x\r\nTTL: 0\r\n"
                     f"Content-Encoding: aes128gcm\r\nAuthorization: {authorization_header}\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((service.host, service.port), timeout=10) as sock:
        sock.sendall(requests)
        answers = b""
        while answers.count(b"HTTP/1.1 201") < 3:
            chunk = sock.recv(65536)
            assert chunk, answers
            answers += chunk
    assert [m.payload for m in service.messages()] == [b"0", b"1", b"2"]


# --- What a push service refuses ------------------------------------------------------------


def test_bad_vapid_tokens_are_refused(service, vapid):
    subscriber = service.make_subscriber()
    body = encrypted(subscriber, b"secret")
    other = Vapid()
    other.generate_keys()
    now = int(time.time())
    forged = authorization(other, service.origin).split(",k=")[0] + f",k={vapid_public(vapid)}"
    cases = {
        "missing": None,
        "another scheme": "WebPush " + authorization(vapid, service.origin).split("t=")[1],
        "signed by another key than k": forged,
        "for another push service": authorization(vapid, "https://push.example.net"),
        "expired": authorization(vapid, service.origin, exp=now - 5),
        "valid for more than a day": authorization(vapid, service.origin, exp=now + 90000),
        "no contact": f"vapid t={jwt(vapid, aud=service.origin, exp=now + 60)}, "
                      f"k={vapid_public(vapid)}",
        "not ES256": f"vapid t={jwt(vapid, alg='ES384', sub=CONTACT, aud=service.origin)}, "
                     f"k={vapid_public(vapid)}",
    }
    for name, value in cases.items():
        headers = {"TTL": "60", "Content-Encoding": "aes128gcm"}
        if value is not None:
            headers["Authorization"] = value
        status, _, reason = post(service, subscriber, body, headers)
        assert status == 401, (name, reason)
    assert service.messages() == [] and service.accepted == 0
    assert len(service.rejections) == len(cases)
    # The same header, untouched, is accepted.
    assert post(service, subscriber, body, good_headers(vapid, service))[0] == 201


def test_token_from_another_application_server_is_forbidden(service, vapid):
    other = Vapid()
    other.generate_keys()
    subscriber = service.make_subscriber(application_server_key=vapid_public(other))
    status, _, reason = post(service, subscriber, encrypted(subscriber, b"x"),
                             good_headers(vapid, service))
    assert status == 403, reason
    assert post(service, subscriber, encrypted(subscriber, b"x"),
                good_headers(other, service))[0] == 201


def test_verify_vapid_directly_checks_the_lifetime(vapid):
    header = authorization(vapid, "http://127.0.0.1:1", exp=int(time.time()) + 3600)
    token = verify_vapid(header, audience="http://127.0.0.1:1")
    assert token.subject == CONTACT
    with pytest.raises(VapidError, match="expired"):
        verify_vapid(header, audience="http://127.0.0.1:1", now=time.time() + 7200)


def test_tampered_or_misaddressed_bodies_are_refused(service, vapid):
    subscriber, neighbour = service.make_subscriber(), service.make_subscriber()
    body = bytearray(encrypted(subscriber, b"The ferry is cancelled"))
    body[100] ^= 0x40
    assert post(service, subscriber, bytes(body), good_headers(vapid, service))[0] == 400
    # Sent to another subscriber's endpoint, it cannot be read there either.
    assert post(service, neighbour, encrypted(subscriber, b"hi"),
                good_headers(vapid, service))[0] == 400
    truncated = encrypted(subscriber, b"hi")[:60]
    assert post(service, subscriber, truncated, good_headers(vapid, service))[0] == 400
    assert service.messages() == []
    assert all("decryption" in r.reason for r in service.rejections)


def test_rfc_8030_headers_are_checked(service, vapid):
    subscriber = service.make_subscriber()
    body = encrypted(subscriber, b"x")
    no_ttl = good_headers(vapid, service)
    del no_ttl["TTL"]
    refused = [no_ttl, good_headers(vapid, service, Urgency="urgent"),
               good_headers(vapid, service, Topic="a" * 33),
               good_headers(vapid, service, Topic="not/base64")]
    for headers in refused:
        assert post(service, subscriber, body, headers)[0] == 400, headers
    big = encrypted(subscriber, b"x" * 4100)
    assert post(service, subscriber, big, good_headers(vapid, service))[0] == 413
    assert post(service, subscriber, body, good_headers(vapid, service, TTL="0"))[0] == 201
    unknown = Subscriber.from_line(subscriber.to_line().replace(subscriber.id, "nobody", 1),
                                   service.origin)
    assert post(service, unknown, body, good_headers(vapid, service))[0] == 404


# --- Answers on demand ----------------------------------------------------------------------


def test_failures_on_demand_then_accepted(service, vapid):
    subscriber = service.make_subscriber()
    service.fail(subscriber.id, 429, times=2, retry_after=7)
    service.fail(subscriber.id, 503)
    answers = []
    for n in range(4):
        status, headers, _ = post(service, subscriber, encrypted(subscriber, str(n).encode()),
                                  good_headers(vapid, service))
        answers.append((status, headers.get("Retry-After")))
    assert answers == [(429, "7"), (429, "7"), (503, None), (201, None)]
    assert [m.payload for m in service.messages()] == [b"3"]
    gone = service.make_subscriber()
    service.fail(gone.id, 410)
    assert post(service, gone, encrypted(gone, b"x"), good_headers(vapid, service))[0] == 410
    assert service.answered == {429: 2, 503: 1, 201: 1, 410: 1}


def test_counting_mode_checks_one_message_in_n(vapid):
    with PushService(verify_every=3) as service:
        subscriber = service.make_subscriber()
        statuses = [post(service, subscriber, encrypted(subscriber, str(n).encode()),
                         good_headers(vapid, service))[0] for n in range(6)]
        assert statuses == [201] * 6
        assert [m.payload for m in service.messages()] == [b"0", b"3"]
        stats = service.stats()
        assert (stats["accepted"], stats["verified"], stats["duplicates"]) == (6, 2, 5)
        # Unchecked messages are only counted: a garbage body passes between two checks.
        garbage = [post(service, subscriber, b"garbage" * 10, good_headers(vapid, service))[0]
                   for _ in range(3)]
        assert garbage == [400, 201, 201]


def test_stats_endpoint(service, vapid):
    subscriber = service.make_subscriber()
    post(service, subscriber, encrypted(subscriber, b"x"), good_headers(vapid, service))
    connection = http.client.HTTPConnection(service.host, service.port, timeout=10)
    connection.request("GET", "/stats")
    stats = json.loads(connection.getresponse().read())
    assert stats["accepted"] == 1 and stats["distinct"] == 1 and stats["answered"] == {"201": 1}
    assert stats["first_at"] <= stats["last_at"] <= time.time()
