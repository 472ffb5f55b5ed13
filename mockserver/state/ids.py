"""Seeded identifiers: UUIDs that repeat from run to run with the same seed.

Prefect mints random version-4 UUIDs for most objects and, since 3.x,
time-ordered version-7 UUIDs for states and auto-scheduled flow runs. Both
come from one :class:`random.Random` here, so a responder built with the same
seed and clock hands out the same ids in the same order::

    >>> ids = IdSource(seed=0)
    >>> ids.uuid4()
    'e3e70682-c209-4cac-a29f-6fbed82c07cd'
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime

__all__ = ["IdSource", "canonical_uuid"]

_CANONICAL = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_VERSION_BITS = 0xF << 76
_VARIANT_BITS = 0x3 << 62


class IdSource:
    """Mint UUIDs from a seeded random stream.

    :param seed: the seed of the stream; equal seeds give equal sequences.
    """

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)

    def uuid4(self) -> str:
        """Return a random version-4 UUID as Prefect renders it."""
        return _rfc_4122(self._random.getrandbits(128), version=4)

    def uuid7(self, at: datetime) -> str:
        """Return a version-7 UUID whose time prefix is ``at``.

        Prefect 3 orders states by these ids, so the prefix carries the
        millisecond timestamp and the rest is random.
        """
        millis = int(at.timestamp() * 1000) & ((1 << 48) - 1)
        return _rfc_4122((millis << 80) | self._random.getrandbits(80), version=7)


def _rfc_4122(bits: int, *, version: int) -> str:
    # What str(uuid.UUID(int=bits, version=version)) gives, without building
    # the object: the version and variant bits set, then the dashed hex.
    value = (bits & ~_VERSION_BITS) | (version << 76)
    value = (value & ~_VARIANT_BITS) | (0x2 << 62)
    hex_ = f"{value:032x}"
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


def canonical_uuid(text: str) -> str:
    """Return a UUID as Prefect stores it, lower case and dashed.

    Text already in that form, as clients send ids, is returned without
    being parsed; text that is no UUID is returned unchanged.

    >>> canonical_uuid("E3E70682C2094CACA29F6FBED82C07CD")
    'e3e70682-c209-4cac-a29f-6fbed82c07cd'
    """
    if _CANONICAL.fullmatch(text) is not None:
        return text
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text
