"""The site's VAPID key pair (RFC 8292): made on first use, kept in the database so that every
web process and worker on every host signs with the same key."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import IntegrityError, transaction

from .models import VapidKeys

SINGLETON_PK = 1


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError (binascii.Error) if bad."""
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _new_keys() -> tuple[str, str]:
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return pem, b64url(point)


def vapid_keys() -> VapidKeys:
    """The key pair, made now if there is none (two processes racing keep the first one)."""
    existing = VapidKeys.objects.filter(pk=SINGLETON_PK).first()
    if existing is not None:
        return existing
    pem, public = _new_keys()
    try:
        with transaction.atomic():
            return VapidKeys.objects.create(
                pk=SINGLETON_PK, private_key_pem=pem, public_key=public
            )
    except IntegrityError:
        return VapidKeys.objects.get(pk=SINGLETON_PK)


def public_key_b64() -> str:
    return vapid_keys().public_key


def private_key() -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(vapid_keys().private_key_pem.encode(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):  # pragma: no cover - we wrote it
        raise TypeError("The stored VAPID key is not an EC key")
    return key
