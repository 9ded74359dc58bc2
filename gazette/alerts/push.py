"""Web Push on the wire: message encryption (RFC 8291, ``aes128gcm`` of RFC 8188), the VAPID
token (RFC 8292) and the payload an alert becomes.

Nothing here touches the database: :mod:`gazette.alerts.sender` keeps the HTTP connections and
the fan-out (:mod:`gazette.alerts.fanout`) decides who gets what.

Costs, per message: one fresh P-256 key pair and one ECDH (the RFC wants a new sender key for
every message), two HMACs for the key schedule and one AES-128-GCM. The VAPID token costs one
ECDSA signature per push service origin every few hours, not one per message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# One record of at most 4,096 bytes (RFC 8291 section 4): the header (salt 16, record size 4,
# key id length 1, sender key 65 = 86), the padding delimiter (1) and the AEAD tag (16) leave
# 3,993 bytes of payload.
RECORD_SIZE = 4096
HEADER_SIZE = 16 + 4 + 1 + 65
TAG_SIZE = 16
MAX_PAYLOAD = RECORD_SIZE - HEADER_SIZE - TAG_SIZE - 1  # 3,993

# RFC 8292 section 2: a token is valid for at most 24 hours. Ours live 12 and are replaced an
# hour before they end, so a message queued with one never reaches a push service expired.
VAPID_LIFETIME = 12 * 3600
VAPID_RENEW_BEFORE = 3600

_KEY_INFO = b"WebPush: info\x00"
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"
_CURVE = ec.SECP256R1()


class PayloadTooLarge(ValueError):
    """The alert does not fit a push message even with its text shortened."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _public_point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def encrypt(payload: bytes, p256dh_b64: str, auth_b64: str, *, salt: bytes | None = None,
            sender_key: ec.EllipticCurvePrivateKey | None = None) -> bytes:
    """The body of a push message carrying ``payload`` to the browser whose subscription keys
    are ``p256dh`` (its P-256 public key) and ``auth`` (its 16-byte secret).

    ``salt`` and ``sender_key`` are for the RFC's test vector only: every real message gets a
    fresh random salt and a fresh key pair, so that no two messages share a content key.
    """
    if len(payload) > MAX_PAYLOAD:
        raise PayloadTooLarge(f"{len(payload)} bytes of payload, at most {MAX_PAYLOAD}")
    ua_public_bytes = b64url_decode(p256dh_b64)
    auth_secret = b64url_decode(auth_b64)
    ua_public = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, ua_public_bytes)
    sender_key = sender_key or ec.generate_private_key(_CURVE)
    as_public_bytes = _public_point(sender_key.public_key())
    salt = salt if salt is not None else os.urandom(16)

    # RFC 8291 section 3.4. Every HKDF here yields at most one SHA-256 block, so each expand is
    # a single HMAC over info || 0x01 (the 0x01 is already part of the info constants).
    ecdh_secret = sender_key.exchange(ec.ECDH(), ua_public)
    prk_key = _hmac(auth_secret, ecdh_secret)
    ikm = _hmac(prk_key, _KEY_INFO + ua_public_bytes + as_public_bytes + b"\x01")
    prk = _hmac(salt, ikm)
    content_key = _hmac(prk, _CEK_INFO)[:16]
    nonce = _hmac(prk, _NONCE_INFO)[:12]

    # One record, the last one: the padding delimiter is 0x02 and no padding follows.
    ciphertext = AESGCM(content_key).encrypt(nonce, payload + b"\x02", None)
    header = salt + struct.pack("!IB", RECORD_SIZE, len(as_public_bytes)) + as_public_bytes
    return header + ciphertext


# --- VAPID ----------------------------------------------------------------------------------


def origin_of(endpoint: str) -> str:
    """``scheme://host[:port]`` of a push endpoint: the audience of its VAPID token and the
    key of its connection pool."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}".lower()


class VapidSigner:
    """Signs one ES256 token per push service origin and hands it out until an hour before it
    expires: a million messages to one push service cost one signature, not a million."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, subject: str, *,
                 lifetime: int = VAPID_LIFETIME, renew_before: int = VAPID_RENEW_BEFORE) -> None:
        if not 0 < lifetime <= 24 * 3600:
            raise ValueError("a VAPID token lives at most 24 hours (RFC 8292)")
        self._key = private_key
        self.subject = subject
        self.public_key_b64 = b64url(_public_point(private_key.public_key()))
        self.lifetime = lifetime
        self.renew_before = min(renew_before, lifetime // 2)
        self._headers: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.signatures = 0  # how many tokens were signed (tests and the benchmark read it)

    @classmethod
    def from_pem(cls, pem: str, subject: str) -> VapidSigner:
        key = serialization.load_pem_private_key(pem.encode("ascii"), None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError("a VAPID key is a P-256 key")
        return cls(key, subject)

    def token(self, audience: str, expires: int) -> str:
        header = b64url(b'{"typ":"JWT","alg":"ES256"}')
        claims = b64url(json.dumps({"aud": audience, "exp": expires, "sub": self.subject},
                                   separators=(",", ":")).encode())
        signing_input = f"{header}.{claims}".encode("ascii")
        der = self._key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        self.signatures += 1
        return f"{header}.{claims}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def header_for(self, endpoint: str, *, now: float | None = None) -> str:
        """The ``Authorization`` header for a message to ``endpoint``."""
        audience = origin_of(endpoint)
        now = time.time() if now is None else now
        cached = self._headers.get(audience)
        if cached is not None and cached[1] - self.renew_before > now:
            return cached[0]
        with self._lock:
            cached = self._headers.get(audience)
            if cached is not None and cached[1] - self.renew_before > now:
                return cached[0]
            expires = int(now) + self.lifetime
            value = f"vapid t={self.token(audience, expires)}, k={self.public_key_b64}"
            self._headers[audience] = (value, float(expires))
            return value


# --- The payload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """What the service worker shows (static/alerts/sw.js reads these keys)."""

    alert_id: int
    title: str
    body: str
    url: str
    image: str = ""
    icon: str = ""
    tag: str = ""

    def as_dict(self, body: str | None = None) -> dict[str, object]:
        data: dict[str, object] = {"id": self.alert_id, "title": self.title,
                                   "body": self.body if body is None else body, "url": self.url}
        for name in ("image", "icon", "tag"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


def _dump(data: dict[str, object]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def payload_for(notification: Notification, limit: int = MAX_PAYLOAD) -> bytes:
    """The JSON payload, at most ``limit`` bytes: the body is shortened (with an ellipsis) if
    it must be; the title and the link never are. Raises PayloadTooLarge if even an empty body
    leaves it too big."""
    encoded = _dump(notification.as_dict())
    if len(encoded) <= limit:
        return encoded
    if len(_dump(notification.as_dict(body="…"))) > limit:
        raise PayloadTooLarge(f"the alert needs more than {limit} bytes without its text")
    # Longest prefix of the body that fits (binary search: JSON escapes make the size of a
    # prefix hard to predict).
    low, high = 0, len(notification.body)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = notification.body[:middle].rstrip() + "…"
        if len(_dump(notification.as_dict(body=candidate))) <= limit:
            low = middle
        else:
            high = middle - 1
    return _dump(notification.as_dict(body=notification.body[:low].rstrip() + "…"))


TOPIC_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def topic_header(key: str) -> str:
    """An RFC 8030 ``Topic`` for ``key`` (a story, say): at most 32 characters of the URL-safe
    base64 alphabet. A push service replaces an undelivered message with a later one of the
    same topic, so a second alert on a story supersedes the first on a phone that was off."""
    if len(key) <= 32 and set(key) <= TOPIC_ALPHABET:
        return key
    return b64url(hashlib.sha256(key.encode()).digest())[:32]
