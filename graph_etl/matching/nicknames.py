"""Nickname canonicalisation: which formal names a given name may stand for.

Two sources are combined:

* the `nicknames` package (a maintained, hand-curated list of English names and their
  nicknames), keeping only rows whose formal name is not itself a nickname of another
  name, because rows such as "bill has nickname fred" chain unrelated names together;
* `UK_DIMINUTIVES` below: British diminutives and the short forms used in the
  county's communities that the package lacks, maintained here.

`nickname_keys("Bill") == {"bill", "william"}`: a name's keys are itself and every
formal name it is a nickname of. Two names are nickname-equivalent when their keys
overlap ("Bill" and "Will" share "william").
"""

from __future__ import annotations

from functools import cache

# formal name: its usual short forms and diminutives (lower case, ASCII).
UK_DIMINUTIVES = """
abigail: abbie abi abby gail
albert: bert bertie albie al
alexander: alex alec sandy xander lex
alexandra: alex lexi lexie sandra sasha
aleksandra: ola ala olek
alfred: alfie alf fred freddie
amelia: millie amy mia
andrew: andy drew
angela: angie
annabel: annie bella
anne: annie
ann: annie
anthony: tony ant
archibald: archie
arthur: art artie
barbara: babs barbie
benjamin: ben benji benny
bernard: bernie
callum: cal
cameron: cam
catherine: cath cathy kate katie
charles: charlie chas chuck
charlotte: lottie charlie lotte
christine: chris chrissie christie
christopher: chris kit topher
chukwuemeka: emeka
cornelius: neil
daniel: dan danny
danielle: dani
david: dave davy
deborah: debbie debs deb
dominic: dom
donald: don donny
dorothy: dot dolly dottie
douglas: doug dougie
edward: ed eddie ted teddy ned
eleanor: ellie nell nellie elle
elizabeth: liz lizzie beth betty libby eliza bess
ella: ellie
ellen: ellie nell
emily: emmy em milly
ernest: ernie
evelyn: evie eve
florence: flo florrie
frances: fran frankie
francis: frank frankie
frederick: fred freddie freddy
funmilayo: funmi
gabriel: gabe
gabriella: gabby ella
gerald: gerry
gillian: jill gill
grace: gracie
gregory: greg
gurpreet: gary
harold: harry hal
harpreet: harp
harriet: hattie
harrison: harry
helen: nell
henry: harry hal hank
isabel: izzy bella
isabella: izzy bella
isabelle: izzy bella
isobel: izzy
jacob: jake jay
jacqueline: jackie jacqui
james: jim jimmy jamie
jasmine: jas jazz
jaspreet: jas
jaswinder: jas
jayden: jay
jennifer: jen jenny jenna
jessica: jess jessie
joanna: jo
joanne: jo
john: jack johnny jon
jonathan: jon jonny
joseph: joe joey
josephine: jo josie
joshua: josh
katarzyna: kasia kasha
katherine: kate katie kath kathy
kathleen: kath kathy
kenneth: ken kenny
kimberley: kim kimmy
krzysztof: krzys
lawrence: larry laurie
leonard: len lenny leo
louisa: lou
louise: lou
lucas: luke
madeleine: maddie
malgorzata: gosia
margaret: maggie peggy meg maisie
mary: molly polly
matilda: tilly tilda
matthew: matt
maximilian: max
maxwell: max
michael: mike mick micky mickey
mohammed: mo
muhammad: mo
nathaniel: nate nat
natalie: nat
nicholas: nick nicky
nicola: nicky nikki
oliver: ollie olly
olivia: liv livvy
oluwaseun: seun
padraig: paddy
patricia: pat trish patty
patrick: pat paddy
penelope: penny
peter: pete
philip: phil
raymond: ray
rebecca: becky becca
reginald: reggie reg
reuben: reub
richard: rich rick ricky dick
robert: bob rob bobby robbie bert
ronald: ron ronnie
rosalind: roz
rosemary: rosie
samantha: sam sammy
samuel: sam sammy
siobhan: shiv
sophia: sophie
stephanie: steph
stephen: steve
steven: steve
stuart: stu
susan: sue susie
temitope: tope
terence: terry
theodore: theo teddy ted
theresa: tess terri tessa
thomas: tom tommy tam
timothy: tim timmy
valerie: val
veronica: ronnie
victoria: vicky tori
wilfred: wilf
william: bill will billy liam willie
zachary: zach zac
"""


def _curated() -> dict[str, set[str]]:
    formal_of: dict[str, set[str]] = {}
    for line in UK_DIMINUTIVES.strip().splitlines():
        formal, _, shorts = line.partition(":")
        for short in shorts.split():
            formal_of.setdefault(short, set()).add(formal.strip())
    return formal_of


def _packaged() -> dict[str, set[str]]:
    import nicknames

    rows = [row for row in nicknames.name_triplets() if row.relationship == "has_nickname"]
    nicknamed = {row.name2 for row in rows}
    formal_of: dict[str, set[str]] = {}
    for row in rows:
        if row.name1 not in nicknamed:
            formal_of.setdefault(row.name2, set()).add(row.name1)
    return formal_of


@cache
def _formal_names() -> dict[str, frozenset[str]]:
    merged = _packaged()
    for short, formals in _curated().items():
        merged.setdefault(short, set()).update(formals)
    return {short: frozenset(formals) for short, formals in merged.items()}


def nickname_keys(token: str) -> frozenset[str]:
    """The token itself and the formal names it may be short for (lower-case input)."""
    return frozenset({token}) | _formal_names().get(token, frozenset())


@cache
def all_names() -> frozenset[str]:
    """Every name in the tables, formal and short."""
    names: set[str] = set()
    for short, formals in _formal_names().items():
        names.add(short)
        names |= formals
    return frozenset(names)
