"""Given names in common use in England and Wales, across the generations a county's
records cover (grandparents to newborns), and in its larger communities.

Why: two names one letter apart are usually a typing slip ("Jasn", "Nahtan"), but
when both are names people are actually given (Jason and Mason, Leo and Leon, Layla
and Lyla) they are more likely two people, and in one family they are siblings.
`is_known("mason")` tells the matcher not to treat such a pair as a slip. A curated
list, kept here; together with every name in the nickname tables.

`is_given("ellie")` asks the curated list alone: is this a name parents give in its
own right (Ellie, Gracie), not only a short form (Dave, Phil)? Two such names in one
agency's list at two addresses are two people (`guards.Guards.apart_in_one_list`).
"""

from __future__ import annotations

from functools import cache

COMMON_GIVEN_NAMES = """
aaliyah aaron abbie abdul abdullah abigail ada adam adrian aidan aiden aisha alan albert
albie aleksandra alex alexander alexandra alexis alfie alfred ali alice alicia alisha
alison amanda amber amelia amelie amir amy ana andrea andrew angela anita ann anna
annabel annabelle anne annie anthony antonio archie arlo arthur arya asha ashley aston
ava avery ayaan ayesha barbara barry beatrice bella ben benjamin bernard beth bethany
betty beverley bill billie billy bobby bonnie brandon brenda brendan brian brooke bruce
caitlin callum calvin cameron carl carla carly carol caroline carolyn catherine cerys
chantelle charles charley charlie charlotte chelsea cheryl chidi chloe chris christian
christina christine christopher ciara claire clara clare clifford colin connor conor
craig daisy dale damian damien daniel daniela danielle danny darren darcie darcy david
dawn dean debbie deborah declan denise dennis derek diana diane dominic donna dorothy
douglas dylan edith edward eileen elaine eleanor elena eli elijah elisa elise eliza
elizabeth ella ellen ellie elliot elliott eloise elsie emilia emily emma eric erin esme
ethan eva evan evelyn evie ezra faith fatima felicity felix finlay finley florence
frances francesca frank frankie freddie frederick freya gabriel gary gavin gemma
geoffrey george georgia georgina gerald gillian glenn gloria gordon grace gracie graham
grant gregory hailey haley hallie hannah harley harper harriet harrison harry harvey
hassan hattie hayden hazel heather heidi helen henry hollie holly hugo ian ibrahim
imogen india iris isaac isabel isabella isabelle isla ivy jack jackie jackson jacob
jade jake james jamie jan jane janet janice jasmine jason jasper jay jayden jean
jemma jennifer jenny jeremy jessica jill joan joanna joanne joe joel john jonathan
jordan joseph josephine josh joshua joy joyce jude judith julia julie justin kai
karen kate katherine kathleen kathryn katie kayden kayla keira keith kelly kenneth
kerry kevin kian kieran kim kimberley kirsty kyle lacey lana laura lauren layla leah
lee leighton leo leon leonard leslie lewis lexi liam lilly lily lindsay linda lisa
logan lola lottie louie louis louise lucas lucy luke lyla lydia mabel maddison madison
maisie malcolm mandy marcus margaret maria marian marie marion mark martin mary mason
matilda matthew maureen max maxwell megan melanie melissa mia michael michelle mila
millie mohammed mollie molly muhammad nadia naomi natalie natasha nathan neil nevaeh
nicholas nicola nicole niamh nina noah norman olive oliver olivia omar oscar otis owen
paige pamela patricia patrick paul pauline penelope peter philip phoebe phoenix
phyllis piper poppy priya rachel raymond rebecca reggie reuben rhys richard riley rita
robert robin rory rosa rose rosie ross roxanne roy ruby rupert russell ruth ryan sadie
sally sam samantha samuel sandra sara sarah scarlett sean sebastian shannon sharon
sheila shirley sian sienna simon sofia sophia sophie stacey stanley stella stephanie
stephen steven stuart summer susan suzanne sylvia tanya teddy terence teresa theo
theodore thomas tilly timothy toby tom tommy tony tracey tracy tyler valerie vanessa
vera victoria vincent violet wayne wendy william willow yasmin yusuf zac zach zachary
zara zoe
"""


@cache
def known_names() -> frozenset[str]:
    """Every given name the matcher knows as a real name (lower case)."""
    from graph_etl.matching.nicknames import all_names

    return frozenset(COMMON_GIVEN_NAMES.split()) | all_names()


def is_known(token: str | None) -> bool:
    return bool(token) and token in known_names()


@cache
def given_at_birth() -> frozenset[str]:
    """The curated list alone: names parents give, without the nickname tables' short
    forms (Ellie and Gracie are here; Dave and Phil are not)."""
    return frozenset(COMMON_GIVEN_NAMES.split())


def is_given(token: str | None) -> bool:
    return bool(token) and token in given_at_birth()
