"""The fictional county of Exampleshire: towns, streets, addresses and postcodes.

Addresses are never stored in bulk. An address is a *slot* in a fixed address space
(street x house number); slots are handed out through a bijective shuffle, so each
address is unique and can be rebuilt from its slot alone.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from random import Random

from .identifiers import inward_code

COUNTY = "Exampleshire"
HOUSES_PER_STREET = 80
UNITS_PER_STREET = 5  # one postcode unit per 16 house numbers
UNITS_PER_DISTRICT = 4000

# (town, share of population, postcode area)
TOWNS: tuple[tuple[str, float, str], ...] = (
    ("Hartsmere", 0.26, "FX"),
    ("Corrington", 0.16, "FX"),
    ("Farrowby", 0.12, "FX"),
    ("Netherfold", 0.09, "FX"),
    ("Lydmouth", 0.14, "WX"),
    ("Ashcombe Regis", 0.08, "WX"),
    ("Kestrel Bridge", 0.08, "WX"),
    ("Wendlebury Cross", 0.07, "WX"),
)

LOCALITIES: dict[str, tuple[str, ...]] = {
    "Hartsmere": ("Upper Hartsmere", "Mill End", "Brackenhill", "St Aldric's"),
    "Corrington": ("Corrington Vale", "Eastgate", "Pennyfield"),
    "Farrowby": ("Little Farrowby", "Holloway"),
    "Netherfold": ("Netherfold Green", "Sallowby"),
    "Lydmouth": ("Lydmouth Quay", "Westcliff", "Ormsby"),
    "Ashcombe Regis": ("Ashcombe Magna",),
    "Kestrel Bridge": ("Kestrel Heath", "Thornwick"),
    "Wendlebury Cross": ("Wendlebury Parva", "Coldstream End"),
}

_STEM_TEXT = (
    "Acacia Ash Aspen Alder Beech Birch Blackthorn Bramble Cedar Cherry Chestnut Elm Fern "
    "Hawthorn Hazel Heather Holly Juniper Larch Laurel Lime Maple Oak Pine Poplar Rowan "
    "Sycamore Willow Yew Abbey Albion Balmoral Beacon Bell Bishop Brook Castle Chapel Church "
    "Clifton Common Coronation Cromwell Dale Derwent Dovecote Duke Elmfield Fairfield Ferry "
    "Field Forge Fountain Friars Garden George Glebe Granary Grange Green Grove Hall Harbour "
    "Highfield Hill Hollow Kiln King Lark Lime-kiln Manor Market Meadow Mill Minster Moor "
    "Nelson New Newlands Orchard Park Parsonage Pound Priory Queen Quarry Rectory Regent "
    "Riverside Rose School Ship Spring Station Stonebridge Tannery Temple Tower Valley "
    "Vicarage Victoria Warren Water Well Westfield Wharf Windmill Woodland York Kestrel "
    "Heron Kingfisher Swallow Wren Skylark Falcon Badger Otter Foxglove Primrose Bluebell "
    "Clover Daisy Lavender Poppy Thistle Meadowsweet Saxon Norman Roman Tudor Stuart "
    "Jubilee Millennium Waterloo Trafalgar Blenheim Ashdown Beaumont Clarendon Devonshire "
    "Grosvenor Kensington Lancaster Marlborough Pembroke Salisbury Somerset Stanley Windsor"
)
_STREET_STEMS = tuple(_STEM_TEXT.split())
_STREET_KINDS = (
    "Road",
    "Street",
    "Lane",
    "Avenue",
    "Close",
    "Drive",
    "Way",
    "Crescent",
    "Gardens",
    "Place",
    "Grove",
    "Terrace",
    "Mews",
    "Walk",
    "Rise",
    "View",
    "Court",
    "House",
)
_FLAT_KINDS = frozenset({"Court", "House"})


@dataclass(frozen=True, slots=True)
class Address:
    """One postal address."""

    address_id: str
    line1: str
    line2: str
    town: str
    postcode: str
    uprn: str

    @property
    def slot(self) -> int:
        """The address-space slot this address was built from."""
        return int(self.address_id[1:])


class AddressSpace:
    """A county-sized grid of addresses handed out in shuffled order."""

    def __init__(self, seed: int, expected_addresses: int) -> None:
        rng = Random(f"{seed}:places")
        streets = max(48, math.ceil(expected_addresses * 2 / HOUSES_PER_STREET))
        shares = [share for _, share, _ in TOWNS]
        self._town_ends = [math.ceil(streets * c / sum(shares)) for c in accumulate(shares)]
        self._town_ends[-1] = streets
        self._capacity = streets * HOUSES_PER_STREET
        self._step = _coprime_step(self._capacity, rng)
        self._offset = rng.randrange(self._capacity)
        self._uprn_offset = rng.randrange(10**10)
        self._next = 0
        names = [f"{stem} {kind}" for stem in _STREET_STEMS for kind in _STREET_KINDS]
        self._street_names: list[list[str]] = []
        self._districts: list[list[str]] = []
        district_no = {"FX": 1, "WX": 1}
        start = 0
        for (_, _, area), end in zip(TOWNS, self._town_ends, strict=True):
            count = end - start
            order = names[:]
            rng.shuffle(order)
            for tier in ("Upper", "Lower", "Old"):
                if len(order) >= count:
                    break
                order += [f"{tier} {name}" for name in names]
            self._street_names.append(order[:count])
            needed = max(2, math.ceil(count * UNITS_PER_STREET / (UNITS_PER_DISTRICT * 0.9)))
            codes = []
            for _ in range(needed):
                codes.append(f"{area}{district_no[area]}")
                district_no[area] += 1
            self._districts.append(codes)
            start = end

    @property
    def used(self) -> int:
        """How many addresses have been handed out."""
        return self._next

    def allocate(self) -> Address:
        """A new, never used address."""
        if self._next >= self._capacity:
            raise ValueError("the address space is exhausted")
        slot = (self._next * self._step + self._offset) % self._capacity
        self._next += 1
        return self.address(slot)

    def address(self, slot: int) -> Address:
        """Rebuild the address for a slot."""
        street, house = divmod(slot, HOUSES_PER_STREET)
        number = house + 1
        town_index = bisect_right(self._town_ends, street)
        town, _, _ = TOWNS[town_index]
        first = self._town_ends[town_index - 1] if town_index else 0
        local = street - first
        name = self._street_names[town_index][local]
        districts = self._districts[town_index]
        district = districts[local % len(districts)]
        unit = (local // len(districts)) * UNITS_PER_STREET + house * UNITS_PER_STREET // 80
        inward = inward_code((unit * 1237 + 91) % UNITS_PER_DISTRICT)
        if name.rsplit(" ", 1)[1] in _FLAT_KINDS:
            line1 = f"Flat {number}, {name}"
        else:
            line1 = f"{number} {name}"
        localities = LOCALITIES[town]
        line2 = localities[street % len(localities)] if street % 10 < 3 else ""
        uprn = ""
        if (slot * 40503 + 17) % 100 < 70:
            uprn = str(10**11 + (slot * 2654435761 + self._uprn_offset) % 10**10)
        return Address(f"A{slot:07d}", line1, line2, town, f"{district} {inward}", uprn)

    def random_town(self, rng: Random) -> str:
        """A town drawn by population share."""
        point = rng.random() * TOWN_TOTAL
        return TOWNS[bisect_right(_TOWN_CUM, point)][0]


_TOWN_CUM = tuple(accumulate(share for _, share, _ in TOWNS))
TOWN_TOTAL = _TOWN_CUM[-1]


def _coprime_step(modulus: int, rng: Random) -> int:
    """A multiplier coprime to ``modulus`` (so multiplication permutes the slots)."""
    while True:
        step = rng.randrange(modulus // 3, modulus) | 1
        if math.gcd(step, modulus) == 1:
            return step
