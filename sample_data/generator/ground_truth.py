"""Ground truth, written beside the extracts in ``ground_truth/``."""

from __future__ import annotations

from pathlib import Path

from .dates import iso
from .errors import ERROR_LOG_COLUMNS
from .model import Group, Person
from .writers import Folder

FOLDER = "ground_truth"


class GroundTruth:
    """Who every source record really is, and the true population."""

    def __init__(self, root: Path) -> None:
        self.folder = Folder(root, FOLDER)
        f = self.folder
        self.records = f.table("source_records", ("source", "file", "record_key", "person_id"))
        self.people = f.table(
            "people",
            (
                "person_id",
                "given_name",
                "family_name",
                "sex",
                "date_of_birth",
                "nhs_number",
                "upn",
                "household_id",
                "current_address_id",
                "twin_of",
            ),
        )
        self.links = f.table("family_links", ("person_id", "related_person_id", "relationship"))
        self.current = f.table(
            "current_address", ("person_id", "address_id", "line1", "town", "postcode", "uprn")
        )
        self.history = f.table("addresses_history", ("person_id", "address_id", "from", "to"))
        self.surnames = f.table("former_surnames", ("person_id", "family_name", "used_until"))
        self.errors = f.table("injected_errors", ERROR_LOG_COLUMNS)
        self.per_source: dict[str, int] = {}

    def record(self, source: str, file: str, key: str, person: Person) -> None:
        """Note that ``key`` in ``source``/``file`` is a record of ``person``."""
        self.records.write((source, file, key, person.person_id))
        self.per_source[source] = self.per_source.get(source, 0) + 1

    def log_error(self, row: list[str]) -> None:
        """Append one injected-error row."""
        self.errors.write(row)

    def add_group(self, group: Group) -> None:
        """Write the people, links and addresses of one family group."""
        for person in group.people:
            history = person.address_history()
            current = history[-1][0]
            twin = person.twin.person_id if person.twin else ""
            self.people.write(
                (
                    person.person_id,
                    person.given,
                    person.family,
                    person.sex,
                    iso(person.dob),
                    person.nhs,
                    person.upn,
                    person.household.household_id,
                    current.address_id,
                    twin,
                )
            )
            self.current.write(
                (
                    person.person_id,
                    current.address_id,
                    current.line1,
                    current.town,
                    current.postcode,
                    current.uprn,
                )
            )
            for address, start, end in history:
                self.history.write((person.person_id, address.address_id, iso(start), iso(end)))
            for surname, until in person.former_surnames:
                self.surnames.write((person.person_id, surname, iso(until)))
        for a, b, relationship in group.links:
            self.links.write((a.person_id, b.person_id, relationship))

    def close(self) -> None:
        """Close every file."""
        self.folder.close()
