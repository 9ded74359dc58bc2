"""The receiving end of Web Push, written apart from the sending code it checks
(:mod:`gazette.alerts.push`): a browser's subscription keys, message decryption (RFC 8291 over
RFC 8188's ``aes128gcm``) and the push service's check of the VAPID token (RFC 8292).

Sharing nothing with the sender is the point: a key schedule wrong on both sides in the same way
would otherwise pass. The RFC 8291 example (its Appendix A) pins this side to the standard.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CURVE = ec.SECP256R1()
# RFC 8292 section 2: a token must not expire more than 24 hours after the request.
VAPID_MAX_LIFETIME = 24 * 3600


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url (padding optional): raises ValueError on anything else."""
    if not text or set(text) - _B64URL_CHARS:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error


_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


# --- A subscriber: what a browser holds -----------------------------------------------------


@dataclass(slots=True)
class Subscriber:
    """One browser's push subscription: its endpoint, its P-256 key pair and auth secret.

    The private key is kept as its 32-byte scalar and made into a key object only when a
    message is decrypted, so that a benchmark can load 100,000 subscribers in a moment.
    """

    id: str
    endpoint: str
    private_value: bytes  # the 32-byte private scalar
    public_point: bytes  # the 65-byte uncompressed public point
    auth: bytes  # the 16-byte auth secret
    # The VAPID key the browser subscribed with (applicationServerKey), if any: the push service
    # then refuses tokens signed with another key (RFC 8292 section 4.2: 403).
    application_server_key: bytes | None = None
    _private_key: ec.EllipticCurvePrivateKey | None = field(default=None, repr=False)

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        if self._private_key is None:
            self._private_key = ec.derive_private_key(
                int.from_bytes(self.private_value, "big"), CURVE)
        return self._private_key

    @property
    def p256dh(self) -> str:
        return b64url_encode(self.public_point)

    @property
    def auth_b64(self) -> str:
        return b64url_encode(self.auth)

    def subscription_json(self) -> dict[str, Any]:
        """The browser's PushSubscription.toJSON()."""
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": self.p256dh, "auth": self.auth_b64}}

    def decrypt(self, body: bytes) -> bytes:
        return decrypt(body, self.private_key, self.auth, ua_public=self.public_point)

    def to_line(self) -> str:
        """One line of a key file (ids and keys only: the endpoint depends on the port)."""
        return " ".join((self.id, b64url_encode(self.private_value), self.p256dh, self.auth_b64))

    @classmethod
    def from_line(cls, line: str, base_url: str) -> Subscriber:
        subscriber_id, private_value, public_point, auth = line.split()
        return cls(id=subscriber_id, endpoint=f"{base_url}/push/{subscriber_id}",
                   private_value=b64url_decode(private_value),
                   public_point=b64url_decode(public_point), auth=b64url_decode(auth))


def make_subscriber(base_url: str, subscriber_id: str | None = None, *,
                    application_server_key: str | None = None) -> Subscriber:
    """A subscriber with a real P-256 key pair and a random 16-byte auth secret, whose endpoint
    is ``<base_url>/push/<id>``."""
    subscriber_id = subscriber_id or secrets.token_urlsafe(12)
    key = ec.generate_private_key(CURVE)
    return Subscriber(
        id=subscriber_id,
        endpoint=f"{base_url.rstrip('/')}/push/{subscriber_id}",
        private_value=key.private_numbers().private_value.to_bytes(32, "big"),
        public_point=_point(key.public_key()),
        auth=secrets.token_bytes(16),
        application_server_key=(b64url_decode(application_server_key)
                                if application_server_key else None),
        _private_key=key,
    )


# --- Decryption (RFC 8291 section 3, RFC 8188 section 2) ------------------------------------


class DecryptionError(ValueError):
    """The body is not a message this subscriber can read."""


def _hkdf_one_block(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869) for outputs of one hash block, as every use here is."""
    prk = hmac.digest(salt, ikm, "sha256")
    return hmac.digest(prk, info + b"\x01", "sha256")[:length]


def decrypt(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes, *,
            ua_public: bytes | None = None) -> bytes:
    """The plaintext of an ``aes128gcm`` push message, or DecryptionError.

    The header is salt (16) | record size (4) | key id length (1) | key id, where the key id
    is the sender's one-time public key (65 bytes); then exactly one record (RFC 8291 section
    4), whose plaintext ends with the last-record delimiter 0x02 and optional zero padding.
    """
    if len(body) < 21:
        raise DecryptionError("shorter than the aes128gcm header")
    salt, record_size, key_id_length = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    if key_id_length != 65:
        raise DecryptionError("the key id is not a P-256 public key (65 bytes)")
    sender_public = body[21:86]
    record = body[86:]
    if record_size < 18:
        raise DecryptionError("record size below 18")
    if len(record) > record_size:
        raise DecryptionError("more than one record (RFC 8291 allows one)")
    if len(record) < 17:
        raise DecryptionError("record shorter than its tag and delimiter")
    try:
        sender_key = ec.EllipticCurvePublicKey.from_encoded_point(CURVE, sender_public)
    except ValueError as error:
        raise DecryptionError("the sender key is not a point on P-256") from error
    if ua_public is None:
        ua_public = _point(private_key.public_key())

    ecdh_secret = private_key.exchange(ec.ECDH(), sender_key)
    ikm = _hkdf_one_block(auth_secret, ecdh_secret,
                          b"WebPush: info\x00" + ua_public + sender_public, 32)
    content_key = _hkdf_one_block(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf_one_block(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    try:
        padded = AESGCM(content_key).decrypt(nonce, record, None)
    except InvalidTag as error:
        raise DecryptionError("authentication failed (wrong keys or a tampered body)") from error
    unpadded = padded.rstrip(b"\x00")
    if not unpadded or unpadded[-1] != 2:
        raise DecryptionError("no last-record delimiter (0x02)")
    return unpadded[:-1]


# --- VAPID (RFC 8292) -----------------------------------------------------------------------


class VapidError(ValueError):
    """A refused ``Authorization`` header; ``status`` is the push service's answer."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class VapidToken:
    claims: dict[str, Any]
    public_key: bytes  # the 65-byte point of ``k``

    @property
    def expires(self) -> int:
        return int(self.claims["exp"])

    @property
    def subject(self) -> str:
        return str(self.claims.get("sub", ""))


def parse_vapid_header(authorization: str) -> tuple[str, str]:
    """``vapid t=<jwt>, k=<key>`` -> (jwt, key), or VapidError."""
    scheme, _, parameters = authorization.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise VapidError("the Authorization scheme is not vapid")
    values: dict[str, str] = {}
    for part in parameters.split(","):
        name, equals, value = part.strip().partition("=")
        if equals:
            values[name.strip().lower()] = value.strip()
    if not values.get("t") or not values.get("k"):
        raise VapidError("t= and k= are both required")
    return values["t"], values["k"]


def _json_part(text: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(text))
    except ValueError as error:
        raise VapidError("a token part is not base64url JSON") from error
    if not isinstance(value, dict):
        raise VapidError("a token part is not a JSON object")
    return value


def verify_vapid(authorization: str, *, audience: str, now: float | None = None,
                 require_subject: bool = True) -> VapidToken:
    """Check a VAPID header as a push service does: the JWT is ES256, signed by the key in
    ``k``, for this push service (``aud`` is its origin), not expired and not valid for more
    than 24 hours; ``sub`` is a contact (mailto: or https:)."""
    token, key_b64 = parse_vapid_header(authorization)
    try:
        key_bytes = b64url_decode(key_b64)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(CURVE, key_bytes)
    except ValueError as error:
        raise VapidError("k is not an uncompressed P-256 point") from error
    parts = token.split(".")
    if len(parts) != 3:
        raise VapidError("the token is not a JWS compact serialization")
    header, claims = _json_part(parts[0]), _json_part(parts[1])
    if header.get("alg") != "ES256":
        raise VapidError("the token is not ES256")
    try:
        signature = b64url_decode(parts[2])
    except ValueError as error:
        raise VapidError("the signature is not base64url") from error
    if len(signature) != 64:
        raise VapidError("an ES256 signature is 64 bytes (r || s)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"),
                          ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise VapidError("bad signature") from error
    checked = VapidToken(claims, key_bytes)
    check_claims(checked, audience=audience, now=now, require_subject=require_subject)
    return checked


def check_claims(token: VapidToken, *, audience: str, now: float | None = None,
                 require_subject: bool = True) -> None:
    """The time-dependent and audience checks, apart so that a verified token can be reused."""
    claims = token.claims
    if claims.get("aud") != audience:
        raise VapidError(f"aud {claims.get('aud')!r} is not this push service ({audience})")
    expires = claims.get("exp")
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise VapidError("exp is not an integer")
    now = time.time() if now is None else now
    if expires <= now:
        raise VapidError("the token has expired")
    if expires > now + VAPID_MAX_LIFETIME:
        raise VapidError("the token expires more than 24 hours from now")
    subject = claims.get("sub")
    if require_subject and not (isinstance(subject, str)
                                and subject.startswith(("mailto:", "https:"))):
        raise VapidError("sub is not a mailto: or https: contact")
