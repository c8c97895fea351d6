"""The validity end of an X.509 certificate, read from its DER bytes (standard library only).

``ssl`` gives the peer certificate's fields only when it was verified; the DER form is
always there, so expiry is read from it the same way whether or not ``verify`` is on.
"""

from __future__ import annotations

from datetime import datetime, timezone


def _tlv(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at ``pos``."""
    tag = der[pos]
    length = der[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(der[pos : pos + count], "big")
        pos += count
    return tag, pos, pos + length


def _time(tag: int, value: bytes) -> datetime:
    text = value.decode("ascii")
    if tag == 0x17:  # UTCTime: YYMMDDHHMMSSZ
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=timezone.utc)


def not_after(der: bytes) -> datetime:
    """The ``notAfter`` of a DER certificate. ValueError when it is not one."""
    try:
        _, cert, _ = _tlv(der, 0)  # Certificate
        _, pos, _ = _tlv(der, cert)  # TBSCertificate
        tag, _, end = _tlv(der, pos)
        if tag == 0xA0:  # [0] version
            pos = end
        for _ in range(3):  # serialNumber, signature, issuer
            _, _, end = _tlv(der, pos)
            pos = end
        _, validity, _ = _tlv(der, pos)
        _, _, end = _tlv(der, validity)  # notBefore
        tag, start, end = _tlv(der, end)  # notAfter
        return _time(tag, der[start:end])
    except (IndexError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a DER X.509 certificate: {exc}") from None
