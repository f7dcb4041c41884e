"""Sign and verify ingest webhook requests: HMAC-SHA256 over "<timestamp>." + body.

The Lambda (ingest_lambda/handler.py) computes the same signature with the standard library;
MinIO's webhook target can send `Authorization: Bearer <INGEST_SECRET>` instead.
"""

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Ingest-Timestamp"
SIGNATURE_HEADER = "X-Ingest-Signature"


class SignatureMissing(Exception):
    """No signature or token came with the request."""


class SignatureInvalid(Exception):
    """A signature or token came but does not verify; str() says why."""


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def sign_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Return the headers that authenticate `body` to the ingest webhook."""
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature_for(secret, timestamp, body)}


def check_ingest_auth(
    headers, body: bytes, secret: str, max_age: int, now: float | None = None
) -> None:
    """Raise unless the request carries a fresh valid signature or the bearer token."""
    authorization = headers.get("Authorization", "")
    if authorization:
        token = authorization.removeprefix("Bearer ").strip()
        if hmac.compare_digest(token.encode(), secret.encode()):
            return
        raise SignatureInvalid("the bearer token is not the ingest secret")
    signature = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise SignatureMissing(
            f"sign the request with {SIGNATURE_HEADER} and {TIMESTAMP_HEADER}, "
            "or send Authorization: Bearer <INGEST_SECRET>"
        )
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (ValueError, OverflowError):  # not a number, or one no float holds
        raise SignatureInvalid(f"{TIMESTAMP_HEADER} must be Unix seconds") from None
    if age > max_age:
        raise SignatureInvalid(f"the signature is {int(age)} s old; the limit is {max_age} s")
    if not hmac.compare_digest(signature.encode(), signature_for(secret, timestamp, body).encode()):
        raise SignatureInvalid("the signature does not match the body")
