from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gazette.alerts import vapid
from gazette.alerts.models import VapidKeys

pytestmark = pytest.mark.django_db


def test_keys_are_made_once_and_kept():
    first = vapid.public_key_b64()
    assert VapidKeys.objects.count() == 1
    assert vapid.public_key_b64() == first
    point = vapid.b64url_decode(first)
    assert len(point) == 65 and point[0] == 4
    assert "=" not in first


def test_private_key_matches_public_point():
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), vapid.b64url_decode(vapid.public_key_b64())
    )
    assert vapid.private_key().public_key().public_numbers() == public.public_numbers()
