"""What every agency extract shares: its folder, id sequences and the error model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from random import Random
from typing import ClassVar

from ..errors import Distorter, Seen
from ..ground_truth import GroundTruth
from ..model import Group, Person, School
from ..places import Address
from ..staff import Pool, StaffFactory
from ..writers import Folder


@dataclass
class RunContext:
    """Shared state for one generator run."""

    root: Path
    as_of: date
    people: int
    truth: GroundTruth
    distorter: Distorter
    staff: StaffFactory
    schools: list[School]
    setup: Random


class Ids:
    """An increasing id sequence with small random gaps (records get deleted)."""

    def __init__(self, start: int, pattern: str = "{}", gap: int = 1) -> None:
        self.value = start
        self.pattern = pattern
        self.gap = gap

    def take(self, rng: Random | None = None) -> str:
        """The next id."""
        self.value += rng.randint(1, self.gap) if rng is not None and self.gap > 1 else 1
        return self.pattern.format(self.value)


class Agency:
    """One agency's extract folder."""

    folder_name: ClassVar[str]
    system: ClassVar[str]

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.as_of = ctx.as_of
        self.folder = Folder(ctx.root, self.folder_name)
        self.pool = Pool()

    def see(
        self,
        rng: Random,
        file: str,
        key: str,
        person: Person,
        fields: frozenset[str],
    ) -> Seen:
        """Register a person record in the ground truth and return it as recorded."""
        self.ctx.truth.record(self.folder_name, file, key, person)
        return self.ctx.distorter.view(
            rng, (self.folder_name, file, key), person, self.as_of, fields
        )

    def add_group(self, group: Group, rng: Random) -> None:
        """Write whatever this agency holds about one family group."""
        raise NotImplementedError

    def finish(self) -> None:
        """Write the staff table and the extract note, then close the files."""
        self.write_staff()
        self.folder.extract_note(self.system, self.as_of)
        self.folder.close()

    def write_staff(self) -> None:
        """Write the professionals file."""
        raise NotImplementedError


def address_parts(address: Address | None) -> tuple[str, str, str]:
    """line1, line2, town of an address (empty strings when unknown)."""
    if address is None:
        return "", "", ""
    return address.line1, address.line2, address.town


def residents(home_members: list[Person], home: object) -> list[Person]:
    """Members whose current stint is in ``home``."""
    return [m for m in home_members if m.stints[-1].household is home]
