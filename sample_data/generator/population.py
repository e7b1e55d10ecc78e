"""Family groups: who the people are, how they are related and where they lived.

A group starts from one founding couple (or a lone adult). Their children grow up,
leave home, find partners and have children of their own; couples separate, new
partners move in with their own children, grandparents take in grandchildren. Every
event is dated, so address histories and surname changes follow from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

from .dates import add_years, between, days
from .identifiers import NhsNumbers
from .model import Group, Household, Person, Stint
from .name_lists import BORN_ABROAD, ETHNICITY, NATIONALITY
from .names import (
    double_barrel,
    pick_given,
    pick_heritage,
    pick_surname_key,
    surname_form,
)
from .nicknames import SIMILAR_NAMES
from .places import AddressSpace

SEPARATION_RATE = 0.30
TWIN_RATE = 0.016
KINSHIP_RATE = 0.04
SAME_NAME_COUSIN_RATE = 0.6
SOCIAL_HOUSING_RATE = 0.20

_MIXED = {
    frozenset({"british", "caribbean"}): "MWBC",
    frozenset({"british", "african"}): "MWBA",
    frozenset({"british", "pakistani"}): "MWAS",
    frozenset({"british", "indian"}): "MWAS",
    frozenset({"british", "bangladeshi"}): "MWAS",
    frozenset({"british", "chinese"}): "MWAS",
}


@dataclass
class Counters:
    """Identifiers shared by every group in one run."""

    addresses: AddressSpace
    nhs: NhsNumbers
    next_pid: int = 1
    next_hid: int = 1
    next_token: int = -1


class GroupBuilder:
    """Builds one family group with its own random stream."""

    def __init__(self, counters: Counters, rng: Random, cap: int, as_of: date) -> None:
        self.c = counters
        self.r = rng
        self.cap = cap
        self.as_of = as_of
        self.people: list[Person] = []
        self.households: list[Household] = []

    # -- basic pieces ----------------------------------------------------------------

    def room(self, n: int = 1) -> bool:
        """Whether the group may still grow by ``n`` people."""
        return len(self.people) + n <= self.cap

    def token(self) -> int:
        """A stand-in id for a parent who is not part of the population."""
        self.c.next_token -= 1
        return self.c.next_token

    def new_person(
        self,
        sex: str,
        dob: date,
        heritage: str,
        key: str,
        *,
        abroad: bool = False,
        given: str = "",
        ethnicity: str = "",
    ) -> Person:
        """Create a person (not yet living anywhere)."""
        pid = self.c.next_pid
        self.c.next_pid += 1
        nationality = "British"
        if abroad and heritage in NATIONALITY:
            nationality = self.r.choice(NATIONALITY[heritage])
        person = Person(
            pid=pid,
            given=given or pick_given(self.r, sex, dob.year, heritage),
            family=surname_form(key, sex),
            family_key=key,
            sex=sex,
            dob=dob,
            heritage=heritage,
            ethnicity=ethnicity or ETHNICITY[heritage],
            nationality=nationality,
            nhs=self.c.nhs.take(),
        )
        self.people.append(person)
        return person

    def adult(self, sex: str, dob: date, heritage: str) -> Person:
        """An adult from outside the group (founder or partner)."""
        key = pick_surname_key(self.r, heritage)
        abroad = self.r.random() < BORN_ABROAD.get(heritage, 0.0)
        return self.new_person(sex, dob, heritage, key, abroad=abroad)

    def new_home(self, start: date, *, moves: bool = True) -> Household:
        """A household at a fresh address, possibly moving later."""
        home = Household(hid=self.c.next_hid)
        self.c.next_hid += 1
        home.addresses.append((self.c.addresses.allocate(), start, None))
        home.need = self.r.random()
        home.social_housing = self.r.random() < SOCIAL_HOUSING_RATE + 0.4 * (home.need < 0.15)
        if moves and (self.as_of - start).days > 730:
            count = self.r.choices((0, 1, 2, 3), (0.5, 0.3, 0.15, 0.05))[0]
            stamps = sorted(
                between(self.r, start + days(365), self.as_of - days(30)) for _ in range(count)
            )
            for when in stamps:
                address, begun, _ = home.addresses[-1]
                if (when - begun).days < 180:
                    continue
                home.addresses[-1] = (address, begun, when)
                home.addresses.append((self.c.addresses.allocate(), when, None))
        self.households.append(home)
        return home

    def join(self, person: Person, home: Household, when: date) -> None:
        """Move a person into a household from a date."""
        if person.stints:
            person.stints[-1].end = when
        person.stints.append(Stint(home, when))
        if person not in home.members:
            home.members.append(person)

    def rename(self, person: Person, key: str, when: date) -> None:
        """Record a surname change from a date."""
        new = surname_form(key, person.sex)
        if new == person.family:
            return
        person.former_surnames.append((person.family, when))
        person.family = new
        person.family_key = key

    def couple(self, a: Person, b: Person) -> None:
        """Record a partnership."""
        a.partners.append(b)
        b.partners.append(a)

    def marry(self, woman: Person, man: Person, when: date) -> None:
        """Marriage: most women take the husband's surname, a few double-barrel."""
        roll = self.r.random()
        if roll < 0.85:
            self.rename(woman, man.family_key, when)
        elif roll < 0.93:
            self.rename(woman, double_barrel(woman.family_key, man.family_key), when)

    # -- life events --------------------------------------------------------------------

    def partner_for(self, person: Person, home: Household, when: date) -> Person:
        """An outsider who moves in with ``person`` at ``when``, after living elsewhere."""
        sex = "F" if person.sex == "M" else "M"
        gap = self.r.randint(-2, 6) * 365 + self.r.randint(0, 364)
        dob = person.dob - days(gap) if sex == "M" else person.dob + days(gap)
        dob = min(dob, add_years(when, -18) - days(1))
        heritage = person.heritage if self.r.random() < 0.85 else pick_heritage(self.r)
        partner = self.adult(sex, dob, heritage)
        adult_on = add_years(partner.dob, 18)
        if (when - adult_on).days > 200:
            prior = self.new_home(between(self.r, adult_on, when - days(90)), moves=False)
            self.join(partner, prior, prior.addresses[0][1])
        self.join(partner, home, when)
        self.couple(person, partner)
        return partner

    def baby(
        self,
        mother: Person | None,
        father: Person | None,
        home: Household,
        dob: date,
        key: str,
        tokens: tuple[int, int],
        siblings: list[Person],
    ) -> Person:
        """A child born into ``home``."""
        parents = [p for p in (mother, father) if p is not None]
        heritages = {p.heritage for p in parents}
        heritage = parents[self.r.randrange(len(parents))].heritage
        ethnicity = _MIXED.get(frozenset(heritages), "MOTH") if len(heritages) > 1 else ""
        sex = "M" if self.r.random() < 0.512 else "F"
        taken = {s.given for s in siblings}
        given = pick_given(self.r, sex, dob.year, heritage)
        for _ in range(4):
            if given not in taken:
                break
            given = pick_given(self.r, sex, dob.year, heritage)
        child = self.new_person(sex, dob, heritage, key, given=given, ethnicity=ethnicity)
        child.parents = parents
        child.parent_tokens = tokens
        for parent in parents:
            parent.children.append(child)
        self.join(child, home, dob)
        return child

    def births(
        self,
        mother: Person,
        father: Person | None,
        home: Household,
        start: date,
        key: str,
        weights: tuple[float, ...] = (0.1, 0.2, 0.35, 0.2, 0.1, 0.05),
    ) -> list[Person]:
        """Children of one couple (or a lone mother) born into ``home`` from ``start``."""
        count = self.r.choices(range(len(weights)), weights)[0]
        tokens = (mother.pid, father.pid if father else self.token())
        kids: list[Person] = []
        when = start + days(self.r.randint(270, 1460))
        when = max(when, add_years(mother.dob, 17))
        for _ in range(count):
            if when > self.as_of or mother.age_on(when) > 44 or not self.room():
                break
            kid = self.baby(mother, father, home, when, key, tokens, kids)
            kids.append(kid)
            if self.r.random() < TWIN_RATE and self.room():
                kids.append(self.twin_of(kid, mother, father, home, key, tokens, kids))
            when = when + days(self.r.randint(365, 5 * 365))
        return kids

    def twin_of(
        self,
        first: Person,
        mother: Person,
        father: Person | None,
        home: Household,
        key: str,
        tokens: tuple[int, int],
        kids: list[Person],
    ) -> Person:
        """A twin: same birthday, parents and surname, a different given name."""
        second = self.baby(mother, father, home, first.dob, key, tokens, kids)
        if self.r.random() < 0.67 and second.sex != first.sex:
            second.sex = first.sex
            second.given = pick_given(self.r, first.sex, first.dob.year, first.heritage)
            second.family = surname_form(key, first.sex)
        if second.sex == first.sex and self.r.random() < 0.3:
            a, b = self.r.choice(SIMILAR_NAMES[first.sex])
            first.given, second.given = a, b
        for _ in range(6):
            if second.given != first.given:
                break
            second.given = pick_given(self.r, second.sex, second.dob.year, second.heritage)
        if second.given == first.given:
            second.given = "Alex" if second.sex == "M" else "Sam"
        first.twin, second.twin = second, first
        return second

    def family(
        self,
        mother: Person,
        father: Person | None,
        home: Household,
        start: date,
        depth: int,
        married: bool,
    ) -> None:
        """A couple (or lone mother) raising children, with what may follow."""
        if father is not None and (married or self.r.random() < 0.75):
            key = father.family_key
        else:
            key = mother.family_key
        if father is not None and not married and self.r.random() < 0.08:
            key = double_barrel(father.family_key, mother.family_key)
        kids = self.births(mother, father, home, start, key)
        if father is not None and not married and kids and self.r.random() < 0.25:
            wed = between(self.r, kids[0].dob, self.as_of)
            self.marry(mother, father, wed)
            if key != father.family_key and self.r.random() < 0.6:
                for kid in kids:
                    if kid.dob < wed and kid.age_on(wed) < 16:
                        self.rename(kid, father.family_key, wed)
        if father is not None and kids and self.r.random() < SEPARATION_RATE:
            kids += self.separation(mother, father, home, kids, depth)
        if depth >= 1 and kids and self.r.random() < KINSHIP_RATE:
            self.kinship(mother, father, home, kids)
        for kid in kids:
            self.leave_home(kid, depth + 1)

    def separation(
        self,
        mother: Person,
        father: Person,
        home: Household,
        kids: list[Person],
        depth: int,
    ) -> list[Person]:
        """One parent moves out; either may find a new partner. Returns new children at home."""
        earliest = kids[-1].dob + days(180)
        latest = self.as_of - days(60)
        if earliest >= latest:
            return []
        split = between(self.r, earliest, latest)
        leaver, stayer = (father, mother) if self.r.random() < 0.85 else (mother, father)
        elsewhere = self.new_home(split)
        self.join(leaver, elsewhere, split)
        if depth <= 1 and self.room(2) and self.r.random() < 0.45:
            when = between(self.r, split + days(180), self.as_of - days(30))
            if when < self.as_of - days(30):
                partner = self.partner_for(leaver, elsewhere, when)
                mum, dad = (partner, leaver) if leaver.sex == "M" else (leaver, partner)
                self.births(mum, dad, elsewhere, when, dad.family_key, (0.35, 0.4, 0.25))
        if not (self.room(2) and self.r.random() < 0.5):
            return []
        joined = between(self.r, split + days(120), self.as_of - days(30))
        if joined >= self.as_of - days(30):
            return []
        newcomer = self.partner_for(stayer, home, joined)
        new_kids: list[Person] = []
        if self.r.random() < 0.35:
            new_kids += self.step_children(newcomer, home, joined)
        mum, dad = (stayer, newcomer) if stayer.sex == "F" else (newcomer, stayer)
        if stayer is mother and self.r.random() < 0.5:
            wed = between(self.r, joined + days(90), self.as_of)
            if wed < self.as_of:
                self.marry(mum, dad, wed)
                roll = self.r.random()
                renamed_on = min(wed + days(self.r.randint(0, 400)), self.as_of)
                for kid in kids:
                    if kid.age_on(wed) >= 16 or kid.stints[-1].household is not home:
                        continue
                    if roll < 0.3:
                        self.rename(kid, dad.family_key, renamed_on)
                    elif roll < 0.55:
                        self.rename(kid, double_barrel(kid.family_key, dad.family_key), renamed_on)
        new_kids += self.births(mum, dad, home, joined, dad.family_key, (0.3, 0.4, 0.25, 0.05))
        return new_kids

    def step_children(self, newcomer: Person, home: Household, joined: date) -> list[Person]:
        """Children a new partner brings from an earlier relationship."""
        if not self.room(2) or len(newcomer.stints) < 2:
            return []
        prior = newcomer.stints[0].household
        begin = prior.addresses[0][1]
        other: Person | None = None
        birth_home = prior
        if self.r.random() < 0.5:
            sex = "F" if newcomer.sex == "M" else "M"
            gap = days(self.r.randint(-3 * 365, 3 * 365))
            dob = min(newcomer.dob + gap, add_years(begin, -18))
            other = self.adult(sex, dob, newcomer.heritage)
            self.couple(newcomer, other)
            other_home = self.new_home(begin)
            self.join(other, other_home, begin)
            if other.sex == "F":
                birth_home = other_home
        mother = newcomer if newcomer.sex == "F" else other
        father = newcomer if newcomer.sex == "M" else other
        tokens = (
            mother.pid if mother else self.token(),
            father.pid if father else self.token(),
        )
        key = father.family_key if father else newcomer.family_key
        bearer = mother or newcomer
        kids: list[Person] = []
        when = begin + days(self.r.randint(200, 900))
        for _ in range(self.r.choice((1, 1, 2))):
            if when >= joined - days(30) or not self.room() or bearer.age_on(when) > 42:
                break
            kid = self.baby(mother, father, birth_home, when, key, tokens, kids)
            kids.append(kid)
            when += days(self.r.randint(400, 1500))
        moving = [k for k in kids if k.age_on(joined) < 16]
        for kid in moving:
            self.join(kid, home, joined)
        return moving

    def kinship(
        self,
        mother: Person,
        father: Person | None,
        home: Household,
        kids: list[Person],
    ) -> None:
        """Grandparents take in the children (kinship care)."""
        grandparents = [gp for p in (mother, father) if p for gp in p.parents]
        if not grandparents:
            return
        youngest = max(k.dob for k in kids)
        moved_on = between(self.r, youngest + days(180), self.as_of - days(60))
        if moved_on >= self.as_of - days(60):
            return
        carer = grandparents[0]
        if carer.age_on(moved_on) > 78:
            return
        gp_home = next(
            (
                s.household
                for s in carer.stints
                if s.start <= moved_on and (s.end is None or moved_on < s.end)
            ),
            None,
        )
        if gp_home is None or gp_home is home:
            return
        carers = [
            gp
            for gp in gp_home.members
            if gp in grandparents and gp.stints[-1].household is gp_home
        ]
        if not carers:
            return
        for kid in kids:
            here = kid.stints[-1]
            if here.household is home and kid.age_on(moved_on) < 16 and kid.dob < moved_on:
                self.join(kid, gp_home, moved_on)
                kid.carers = carers

    def leave_home(self, person: Person, depth: int) -> None:
        """An adult child may leave home to live alone or start a family."""
        if person.age_on(self.as_of) < 18:
            return
        leave = add_years(person.dob, self.r.randint(18, 27)) + days(self.r.randint(0, 364))
        if leave >= self.as_of - days(30) or self.r.random() < 0.2:
            return
        self.own_life(person, leave, depth)

    def own_life(self, person: Person, when: date, depth: int) -> None:
        """Set up home; perhaps a partner and children."""
        home = self.new_home(when)
        self.join(person, home, when)
        if depth >= 3 or not self.room(2):
            return
        if self.r.random() < 0.6:
            latest = min(self.as_of - days(30), add_years(when, 5))
            start = between(self.r, when, latest)
            partner = self.partner_for(person, home, start)
            woman, man = (person, partner) if person.sex == "F" else (partner, person)
            married = self.r.random() < 0.5
            if married:
                self.marry(woman, man, between(self.r, start, min(self.as_of, add_years(start, 3))))
            if self.r.random() < 0.04:
                return  # a same-sex couple would have been drawn here; kept child-free
            self.family(woman, man, home, start, depth, married)
        elif person.sex == "F" and self.r.random() < 0.3:
            self.family(person, None, home, when, depth, False)

    # -- the group ---------------------------------------------------------------------

    def build(self) -> Group:
        """Build the whole group and return it with its relationship links."""
        heritage = pick_heritage(self.r)
        age = self.r.choices((30, 40, 50, 60, 70, 80), (0.12, 0.16, 0.2, 0.22, 0.18, 0.12))[0]
        age += self.r.randint(0, 9)
        woman_dob = between(self.r, add_years(self.as_of, -age - 1), add_years(self.as_of, -age))
        shape = self.r.random()
        if shape < 0.72 and self.room(2):
            woman = self.adult("F", woman_dob, heritage)
            gap = days(self.r.randint(-2 * 365, 6 * 365))
            man_heritage = heritage if self.r.random() < 0.93 else pick_heritage(self.r)
            man = self.adult("M", woman_dob - gap, man_heritage)
            start = add_years(woman.dob, self.r.randint(19, 32))
            start = min(start, self.as_of - days(self.r.randint(30, 700)))
            home = self.new_home(start)
            self.join(woman, home, start)
            self.join(man, home, start)
            self.couple(woman, man)
            married = self.r.random() < (0.8 if woman.dob.year < 1975 else 0.5)
            if married:
                self.marry(woman, man, start)
            self.family(woman, man, home, start, 0, married)
        elif shape < 0.9:
            woman = self.adult("F", woman_dob, heritage)
            start = add_years(woman.dob, self.r.randint(19, 30))
            start = min(start, self.as_of - days(self.r.randint(30, 700)))
            home = self.new_home(start)
            self.join(woman, home, start)
            if self.r.random() < 0.6:
                self.rename(woman, pick_surname_key(self.r, heritage), start)
            self.family(woman, None, home, start, 0, False)
        else:
            man = self.adult("M", woman_dob - days(self.r.randint(0, 5 * 365)), heritage)
            start = add_years(man.dob, self.r.randint(19, 35))
            start = min(start, self.as_of - days(self.r.randint(30, 700)))
            self.join(man, self.new_home(start), start)
        self.same_name_cousins()
        return Group(self.people, self.households, self.links())

    def same_name_cousins(self) -> None:
        """Sometimes two cousins share given name and surname and were born close together."""
        if self.r.random() >= SAME_NAME_COUSIN_RATE:
            return
        children = [p for p in self.people if p.parents and p.age_on(self.as_of) < 18]
        for i, a in enumerate(children):
            grand_a = {gp.pid for par in a.parents for gp in par.parents}
            for b in children[i + 1 :]:
                if a.family != b.family or a.sex != b.sex or a.twin is b:
                    continue
                if abs((a.dob - b.dob).days) > 3 * 365 or set(a.parents) & set(b.parents):
                    continue
                if not grand_a & {gp.pid for par in b.parents for gp in par.parents}:
                    continue
                if any(sib.given == a.given for par in b.parents for sib in par.children):
                    continue
                b.given = a.given
                return

    def links(self) -> list[tuple[Person, Person, str]]:
        """Ground-truth relationships: parent, (half) sibling, partner, kinship carer."""
        out: list[tuple[Person, Person, str]] = []
        pairs: set[tuple[int, int]] = set()
        for person in self.people:
            for parent in person.parents:
                out.append((parent, person, "parent_of"))
            for carer in person.carers:
                out.append((carer, person, "carer_of"))
            for partner in person.partners:
                if person.pid < partner.pid:
                    out.append((person, partner, "partner_of"))
        for person in self.people:
            siblings = sorted(
                {id(c): c for par in person.parents for c in par.children}.values(),
                key=lambda c: c.pid,
            )
            for other in siblings:
                if other.pid <= person.pid or (person.pid, other.pid) in pairs:
                    continue
                pairs.add((person.pid, other.pid))
                full = person.parent_tokens == other.parent_tokens
                out.append((person, other, "sibling_of" if full else "half_sibling_of"))
        return out
