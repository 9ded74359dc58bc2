"""Test helpers of the alerts part: a Web Push service on loopback that decrypts and checks
every message (:mod:`.push_service`), and browser-side subscriber keys (:mod:`.receiving`)."""

from .push_service import Message, PushService, Rejection
from .receiving import (
    DecryptionError,
    Subscriber,
    VapidError,
    decrypt,
    make_subscriber,
    verify_vapid,
)

__all__ = ["DecryptionError", "Message", "PushService", "Rejection", "Subscriber", "VapidError",
           "decrypt", "make_subscriber", "verify_vapid"]
