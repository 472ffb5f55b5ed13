"""Two-word flow run names, the way Prefect names runs nobody named.

A real server calls an unnamed run something like ``quantum-hedgehog``: an
adjective and an animal joined by a hyphen. The words here are our own list;
the choice is seeded so a responder replays the same names::

    >>> names = RunNames(seed=0)
    >>> names.next()
    'swift-iguana'
"""

from __future__ import annotations

import random

__all__ = ["ADJECTIVES", "ANIMALS", "RunNames"]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ADJECTIVES: tuple[str, ...] = _words(
    """
    agile amber ancient arctic autumn bold brave bright brisk calm candid
    cheerful clever cobalt copper cosmic crimson curious daring dapper dusty
    eager electric emerald fearless fiery flying fuzzy gentle gilded glossy
    golden graceful hidden humble icy jolly keen lively lucky lunar mellow merry
    misty nimble noble olive patient plucky polar proud quantum quiet rapid
    rustic sandy scarlet shiny silver sleepy smooth snowy solar sparkling spry
    steady stellar stormy sunny swift tiny tranquil velvet vivid wandering witty
    zealous
    """
)
"""First words of generated run names."""

ANIMALS: tuple[str, ...] = _words(
    """
    aardvark albatross alpaca antelope armadillo badger beaver bison bobcat
    buffalo camel caribou cheetah chipmunk cobra condor cougar coyote crane
    dingo dolphin donkey eagle echidna falcon ferret finch flamingo gazelle
    gecko gibbon giraffe gopher heron hedgehog ibex iguana jackal jaguar
    kangaroo kestrel koala lemur leopard llama lynx macaw marmot meerkat
    mongoose moose narwhal ocelot octopus orca otter panda pelican penguin
    puffin quokka raccoon raven salamander seal sloth sparrow squid tapir tiger
    toucan turtle walrus weasel wolf wombat yak zebra
    """
)
"""Second words of generated run names."""


class RunNames:
    """Draw ``adjective-animal`` names from a seeded stream.

    :param seed: the seed of the stream; equal seeds give equal names.
    """

    def __init__(self, seed: int = 0) -> None:
        # Salted so the names do not echo the id stream of the same seed.
        self._random = random.Random(f"run-names:{seed}")

    def next(self) -> str:
        """Return the next name, for example ``'swift-otter'``."""
        adjective = self._random.choice(ADJECTIVES)
        animal = self._random.choice(ANIMALS)
        return f"{adjective}-{animal}"
