"""Seeded ids and the canonical form ids are stored and looked up in."""

from __future__ import annotations

import pytest

from mockserver.state.ids import IdSource, canonical_uuid

RUN_ID = "e3e70682-c209-4cac-a29f-6fbed82c07cd"


@pytest.mark.parametrize(
    "written",
    [
        RUN_ID,
        RUN_ID.upper(),
        RUN_ID.replace("-", ""),
        "{" + RUN_ID + "}",
        "urn:uuid:" + RUN_ID,
    ],
    ids=["canonical", "upper-case", "dashless", "braced", "urn"],
)
def test_every_spelling_of_a_uuid_becomes_the_canonical_one(written: str) -> None:
    assert canonical_uuid(written) == RUN_ID


@pytest.mark.parametrize("text", ["nightly", "", RUN_ID[:-1], RUN_ID + "0"])
def test_text_that_is_no_uuid_is_returned_unchanged(text: str) -> None:
    assert canonical_uuid(text) == text


def test_minted_ids_are_already_canonical() -> None:
    ids = IdSource(seed=3)
    minted = [ids.uuid4() for _ in range(50)]

    assert [canonical_uuid(value) for value in minted] == minted
    assert minted[0] == IdSource(seed=3).uuid4()
