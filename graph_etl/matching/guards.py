"""Family-safe guards: pairs of records that must never be one person.

The model weighs evidence; these rules are hard limits on top of it, because its
mistakes are not symmetric: a wrong merge shows one child's risks on another child's
page. Clustering checks every pair across two groups before joining them, so a chain
of links cannot join what a guard keeps apart.

1. **Strong identifiers.** Two valid NHS numbers (or UPNs) that differ mean two people,
   whatever else agrees. Records that share one are the same person and no other
   guard applies to them.
2. **Twins.** Same date of birth, different given names: twins share a birthday,
   surname and address, which is strong evidence for a match in any model.
3. **Siblings.** Same family name and same address, different given names.

   Within one list of one source (a school's pupil roll, one tenancy's household),
   given names must agree exactly for guards 2 and 3, not just as a nickname or
   within a typing slip: an agency that lists Grace and Gracie, or Leo and Leon, with
   one birthday is listing twins. Records of one file in different household groups
   (a tenant's old and new tenancy) are not one list: people move, and each landlord
   writes their name their own way; within a file that has household groups, only
   records of one group are one list. (Two records without any date of birth, such as
   one parent listed as the contact of two pupils, are exempt.)

   One list also keeps apart two records of one family at two different addresses
   whose given names are not the same name: names that differ outright, or two names
   parents give where one is read as a short form of the other (Ella and Ellie,
   Grace and Gracie: twins who have left home, each a contact for her own children).
   A typing slip, or a short form that is not itself a given name (Dave, Phil, Jo),
   may be one parent written two ways by two schools holding her old and new
   address, so those do not count.
4. **Conflicting dates of birth.** Two dates that differ in more than one of day,
   month and year, and are not the day and month swapped or one typing slip apart as
   written (two neighbouring digits swapped), belong to different people (a parent
   and child of the same name at one address, for example).
5. **Recorded relatives and households.** A record that its source links to another
   as parent, child, partner, carer or relative (a pupil's contact, a tenant's
   household member) is a different person from that record; and a parent or
   grandparent is at least 12 years older than the child (a child 12 years younger).
   A source's list names each member of a household, and each relative of a person,
   once: two records in one household group of a source, or two relatives of the same
   record from one file, are different people. This keeps a mother who shares her
   daughter's name, and has no date of birth in the school's contact list, off the
   daughter's page, and a father and son of one name in one tenancy apart.

Given names are "different" only when no word of one agrees with a word of the
other exactly, as a nickname (one the short form of the other: Bill/William, via the
nickname tables), or as a near-identical spelling (unless both are names people are
given: Jason/Mason, Ella/Ellie, Jon/Jan); the whole names are not the same letters
with spaces moved ("Isab Elle", "Isabelle") or a near-identical spelling of each
other; and the names are not simply swapped with the family name. A near-identical
spelling is one typing slip (words of three letters or more), or two slips when both
words have six letters or more and a Jaro-Winkler similarity of at least 0.9
(Patrick/Patrvrck).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import jellyfish
import pyarrow as pa
import pyarrow.compute as pc

from graph_etl.matching.features import Features
from graph_etl.matching.given_names import is_given, is_known

Dob = tuple[int, int, int]
GAP_YEARS = 12
MAX_LIST = 50  # larger "households" are more likely data errors than real lists
OLDER = frozenset({"PARENT_OF", "GRANDPARENT_OF"})  # person is older than related
YOUNGER = frozenset({"CHILD_OF"})  # person is younger than related


def _close(a: str, b: str) -> bool:
    """Equal, or one typing slip apart (for words of three letters or more)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 3 or abs(len(a) - len(b)) > 1:
        return False
    return jellyfish.damerau_levenshtein_distance(a, b) <= 1


def _slip(a: str, b: str) -> bool:
    """Near-identical spellings of one given name: equal, one typing slip apart (three
    letters or more), or two slips apart when both have six letters or more and their
    Jaro-Winkler similarity is at least 0.9 (Patrick and Patrvrck, Matilda and Matiad).
    Whether both are names people are given is the caller's question."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < 3 or abs(len(a) - len(b)) > 2:
        return False
    distance = jellyfish.damerau_levenshtein_distance(a, b)
    return distance <= 1 or (
        distance == 2 and shorter >= 6 and jellyfish.jaro_winkler_similarity(a, b) >= 0.9
    )


def dob_compatible(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    """The same date, day and month swapped, at most one part different, or one typing
    slip apart as written (two neighbouring digits swapped where the month meets the
    day: 1958-01-23 and 1958-02-13)."""
    if a == b or (a[0] == b[0] and a[1] == b[2] and a[2] == b[1]):
        return True
    if sum(x == y for x, y in zip(a, b, strict=True)) >= 2:
        return True
    return jellyfish.damerau_levenshtein_distance(_digits(a), _digits(b)) <= 1


def _digits(date: Dob) -> str:
    return f"{date[0]:04d}{date[1]:02d}{date[2]:02d}"


DIFFERENT_NHS = "different NHS numbers"
DIFFERENT_UPN = "different UPNs"
RELATIVES = "recorded as relatives of each other"
TOO_YOUNG = "too young to be the parent a source records"
TOO_OLD = "too old to be the child a source records"
TWINS = "same date of birth, different given names (twins)"
SIBLINGS = "same family name and address, different given names (siblings)"
DOB_CONFLICT = "conflicting dates of birth"
ONE_LIST_APART = "one list names them differently at different addresses"


# Guard 5's lists: the rows of one household group of a file, and the relatives of one
# record recorded in one file; two rows of one list of at most $most rows, and the two
# rows of a relationship, are kept apart (each pair both ways round, once).
_PAIRS_APART = """
CREATE TEMP TABLE apart AS
WITH member AS (
    SELECT 0 AS kind, list AS anchor, '' AS file, row FROM grouped
    UNION ALL SELECT 1, b, file_a, a FROM relationship
    UNION ALL SELECT 1, a, file_b, b FROM relationship
), listed AS (
    SELECT kind, anchor, file, row FROM member
    QUALIFY count(*) OVER (PARTITION BY kind, anchor, file) BETWEEN 2 AND $most
)
SELECT l.row, r.row AS other FROM listed AS l JOIN listed AS r USING (kind, anchor, file)
WHERE l.row <> r.row
UNION SELECT a, b FROM relationship
UNION SELECT b, a FROM relationship
"""
# For each row (0 to $rows - 1), how many pairs of `apart` have it or an earlier row.
_ENDS = """
SELECT CAST(sum(coalesce(n, 0)) OVER (ORDER BY r) AS BIGINT)
FROM range($rows) AS t(r) LEFT JOIN (SELECT row, count(*) AS n FROM apart GROUP BY row) ON row = r
ORDER BY r
"""


@dataclass
class Said:
    """What the relationship records say about rows 0 to `rows - 1` (guard 5's facts):
    worked out once from the records (`Said.read`), or put together from the parts of
    consecutive rows each source's records fill (`Said.joined`: a source's
    relationship records name its own records only, so each source's part can be kept
    between runs, see `guard_cache`)."""

    rows: int
    group_of: dict[int, tuple[str, ...]]  # a row's household group
    grouped_files: set[str]  # files whose records have such groups
    born_by: dict[int, Dob]  # latest possible date of birth
    born_after: dict[int, Dob]  # earliest possible date of birth
    # Rows a source records as relatives, one pair per relationship record.
    relatives: tuple[list[int], list[int]]
    partners: dict[int, list[int]]  # ... as partners (PARTNER_OF)
    # Every pair of rows the relationship records keep apart (row, other), both ways
    # round and sorted; `ends[r]`: how many of them have row r or an earlier row.
    apart_pairs: pa.Table
    ends: list[int]

    @classmethod
    def nothing(cls, rows: int) -> Said:
        """Nothing said about `rows` rows (yet)."""
        return cls(rows, {}, set(), {}, {}, ([], []), {}, _NO_PAIRS, [0] * rows)

    @classmethod
    def read(
        cls,
        ids: list[str],
        dob: list[Dob | None],
        files: list[str],
        relationships: Iterable[dict[str, Any]],
        row_of: dict[str, int] | None = None,
    ) -> Said:
        """What `relationships` say about the records `ids` (with their dates of birth
        and files, by row)."""
        if row_of is None:
            row_of = {record_id: row for row, record_id in enumerate(ids)}
        row_for = row_of.get
        said = cls.nothing(len(ids))
        grouped: list[tuple[int, Any]] = []
        left, right = said.relatives
        kinds: list[Any] = []
        for relation in relationships:
            get = relation.get
            a = row_for(get("person") or "")
            if a is None:
                continue
            group = get("group")
            if group is not None:
                grouped.append((a, group))
                continue
            b = row_for(get("related") or "")
            if b is None or a == b:
                continue
            left.append(a)
            right.append(b)
            kinds.append(get("type"))
        lists: dict[tuple[str, ...], int] = {}  # each household group's number
        group_rows, group_numbers = [], []
        for a, group in grouped:
            key = ("group", files[a].partition(":")[0], str(group))
            said.group_of[a] = key
            said.grouped_files.add(files[a])
            group_rows.append(a)
            group_numbers.append(lists.setdefault(key, len(lists)))
        born_by, born_after, partners = said.born_by, said.born_after, said.partners
        for a, b, kind in zip(left, right, kinds, strict=True):
            if kind == "PARTNER_OF":
                partners.setdefault(a, []).append(b)
                partners.setdefault(b, []).append(a)
            if kind in OLDER:
                older, younger = a, b
            elif kind in YOUNGER:
                older, younger = b, a
            else:
                continue
            if (date := dob[younger]) is not None:
                bound = (date[0] - GAP_YEARS, date[1], date[2])
                if older not in born_by or bound < born_by[older]:
                    born_by[older] = bound
            if (date := dob[older]) is not None:
                bound = (date[0] + GAP_YEARS, date[1], date[2])
                if younger not in born_after or bound > born_after[younger]:
                    born_after[younger] = bound
        said.apart_pairs, said.ends = _pairs_apart(
            len(ids),
            said.relatives,
            group_rows,
            group_numbers,
            [files[a] for a in left],
            [files[b] for b in right],
        )
        return said

    @classmethod
    def joined(cls, parts: Iterable[Said]) -> Said:
        """The parts, each of the rows after the one before, as one."""
        said = cls.nothing(0)
        left, right = said.relatives
        tables, pairs = [], 0
        for part in parts:
            at = said.rows
            said.group_of.update({row + at: key for row, key in part.group_of.items()})
            said.grouped_files |= part.grouped_files
            said.born_by.update({row + at: bound for row, bound in part.born_by.items()})
            said.born_after.update({row + at: bound for row, bound in part.born_after.items()})
            left.extend([row + at for row in part.relatives[0]])
            right.extend([row + at for row in part.relatives[1]])
            for row, others in part.partners.items():
                said.partners[row + at] = [other + at for other in others]
            tables.append(
                pa.table(
                    {
                        name: pc.add(part.apart_pairs.column(name), pa.scalar(at, pa.int64()))
                        for name in ("row", "other")
                    }
                )
            )
            said.ends.extend([end + pairs for end in part.ends])
            pairs += part.apart_pairs.num_rows
            said.rows += part.rows
        if tables:
            said.apart_pairs = pa.concat_tables(tables).combine_chunks()
        return said


# (int64 columns, as DuckDB gives them)
_NO_PAIRS = pa.table({"row": pa.array([], pa.int64()), "other": pa.array([], pa.int64())})


def _pairs_apart(
    rows: int,
    relatives: tuple[list[int], list[int]],
    group_rows: list[int],
    groups: list[int],
    left_files: list[str],
    right_files: list[str],
) -> tuple[pa.Table, list[int]]:
    """The pairs of rows the relationship records keep apart (`Said.apart_pairs`, with
    its `ends`): each relationship's two rows, and two rows of one list (one household
    group of a file, or the relatives of one record recorded in one file) of at most
    `MAX_LIST` entries."""
    left, right = relatives
    tables = {
        "grouped": pa.table(
            {"row": pa.array(group_rows, pa.int64()), "list": pa.array(groups, pa.int64())}
        ),
        "relationship": pa.table(
            {
                "a": pa.array(left, pa.int64()),
                "b": pa.array(right, pa.int64()),
                "file_a": pa.array(left_files, pa.string()),
                "file_b": pa.array(right_files, pa.string()),
            }
        ),
    }
    connection = duckdb.connect()
    try:
        for name, table in tables.items():
            connection.register(name, table)
        connection.execute(_PAIRS_APART, {"most": MAX_LIST})
        pairs = connection.sql("SELECT row, other FROM apart ORDER BY row, other")
        apart = pairs.to_arrow_table().combine_chunks()
        ends = connection.sql(_ENDS, params={"rows": rows}).to_arrow_table()
    finally:
        connection.close()
    return apart, ends.column(0).to_pylist()


class Guards:
    """Pairwise guard checks over standardised features (by row number).

    `relationships` are the sources' relationship records (dicts with `person`,
    `related` and `type`: `PARENT_OF`, `CHILD_OF`, `PARTNER_OF`, ...) and household
    group records (`person`, `group`); or `said`, what they say, worked out before."""

    def __init__(
        self,
        features: Features,
        relationships: Iterable[dict[str, Any]] = (),
        row_of: dict[str, int] | None = None,
        said: Said | None = None,
    ) -> None:
        self.f = features
        # Plain lists, looked up millions of times.
        self.nhs, self.upn, self.dob, self.files = (
            features.nhs,
            features.upn,
            features.dob,
            features.files,
        )
        if said is None:
            said = Said.read(features.ids, features.dob, features.files, relationships, row_of)
        if said.rows != len(features.ids):
            raise ValueError("what the relationship records say is of other records")
        self.said = said
        self.group_of, self.grouped_files = said.group_of, said.grouped_files
        self.born_by, self.born_after = said.born_by, said.born_after
        self.relatives, self.partners = said.relatives, said.partners
        self.apart_pairs = said.apart_pairs
        # The rows kept apart from row r, in plain lists: `_others[_starts[r]:_starts[r + 1]]`.
        self._starts = [0, *said.ends]
        self._others: list[int] = said.apart_pairs.column("other").to_pylist()
        constrained = bytearray(len(features.ids))  # 1 for a row with any of the above
        for row in (*self.born_by, *self.born_after):
            constrained[row] = 1
        for row in pc.unique(self.apart_pairs.column("row")).to_pylist():
            constrained[row] = 1
        self.constrained = constrained

    def _apart(self, a: int, b: int) -> bool:
        """Whether the relationship records keep rows a and b apart (`apart_pairs`)."""
        start, end = self._starts[a], self._starts[a + 1]
        return start != end and b in self._others[start:end]

    def _relatives_conflict(self, a: int, b: int) -> str | None:
        if self._apart(a, b):
            return RELATIVES
        for x, y in ((a, b), (b, a)):
            date = self.dob[y]
            if date is None:
                continue
            bound = self.born_by.get(x)
            if bound is not None and date > bound:
                return TOO_YOUNG
            bound = self.born_after.get(x)
            if bound is not None and date < bound:
                return TOO_OLD
        return None

    def given_compatible(self, a: int, b: int) -> bool:
        f = self.f
        tokens_a, tokens_b = f.given_tokens[a], f.given_tokens[b]
        if not tokens_a or not tokens_b:
            return True
        if f.given_keys[a] & set(tokens_b) or f.given_keys[b] & set(tokens_a):
            return True
        if any(
            _slip(x, y) and not (is_known(x) and is_known(y)) for x in tokens_a for y in tokens_b
        ):
            return True
        # The whole given name with its spaces dropped: "Isab Elle" is Isabelle, and
        # "Br Inlry" a slip of Brinley.
        joined_a = "".join((f.given_full[a] or "").split())
        joined_b = "".join((f.given_full[b] or "").split())
        if joined_a and (
            joined_a == joined_b
            or (_slip(joined_a, joined_b) and not (is_known(joined_a) and is_known(joined_b)))
        ):
            return True
        return f.given_full[a] == f.family[b] and f.given_full[b] == f.family[a]

    def given_equal(self, a: int, b: int) -> bool:
        """The same given names (either record's other given names count too)."""
        f = self.f
        tokens_a, tokens_b = f.given_tokens[a], f.given_tokens[b]
        if not tokens_a or not tokens_b or f.given_full[a] == f.given_full[b]:
            return True
        return bool(set(tokens_a) & set(tokens_b))

    def apart_in_one_list(self, a: int, b: int) -> bool:
        """Records a and b, of one list, are two people of one family at two addresses:
        both addresses known and different, family names related, and given names
        that are not the same name. A typing slip, or a short form that is not itself
        a name parents give (Dave for David), may be one person written two ways;
        two names parents give (Ella and Ellie, Grace and Gracie) are two people."""
        f = self.f
        if not (f.address[a] and f.address[b]) or self.same_address(a, b):
            return False
        if self.given_equal(a, b) or not self.family_related(a, b):
            return False
        if not self.given_compatible(a, b):
            return True
        return is_given(f.given[a]) and is_given(f.given[b])

    def family_related(self, a: int, b: int) -> bool:
        f = self.f
        if not f.family[a] or not f.family[b]:
            return False
        if set(f.family_tokens[a]) & set(f.family_tokens[b]):
            return True
        return _close(f.family[a], f.family[b])  # type: ignore[arg-type]

    def same_address(self, a: int, b: int) -> bool:
        f = self.f
        if f.uprn[a] and f.uprn[a] == f.uprn[b]:
            return True
        return f.address[a] is not None and f.address[a] == f.address[b]

    def between(self, group_a: list[int], group_b: list[int]) -> str | None:
        """Why no record of one group can be one person with every record of the other
        (the first conflict found), or None."""
        conflict = self.conflict
        return next((why for a in group_a for b in group_b if (why := conflict(a, b))), None)

    def conflict(self, a: int, b: int) -> str | None:
        """Why records a and b can never be one person, or None."""
        nhs_a, nhs_b, upn_a, upn_b = self.nhs[a], self.nhs[b], self.upn[a], self.upn[b]
        if nhs_a is not None and nhs_b is not None:
            if nhs_a != nhs_b:
                return DIFFERENT_NHS
            return (
                DIFFERENT_UPN
                if upn_a is not None and upn_b is not None and upn_a != upn_b
                else None
            )
        if upn_a is not None and upn_b is not None:
            return DIFFERENT_UPN if upn_a != upn_b else None
        constrained = self.constrained
        if (constrained[a] or constrained[b]) and (why := self._relatives_conflict(a, b)):
            return why
        dob_a, dob_b = self.dob[a], self.dob[b]
        file = self.files[a]
        one_list = file == self.files[b] and (
            file not in self.grouped_files or self.group_of.get(a) == self.group_of.get(b)
        )
        strict = one_list and (dob_a is not None or dob_b is not None)
        if not (self.given_equal(a, b) if strict else self.given_compatible(a, b)):
            if dob_a is not None and dob_a == dob_b:
                return TWINS
            if self.family_related(a, b) and self.same_address(a, b):
                return SIBLINGS
        if one_list and self.apart_in_one_list(a, b):
            return ONE_LIST_APART
        if (
            dob_a is not None
            and dob_b is not None
            and dob_a != dob_b
            and not dob_compatible(dob_a, dob_b)
        ):
            return DOB_CONFLICT
        return None
