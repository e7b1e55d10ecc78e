"""Nicknames and diminutives, and look-alike name pairs for twins."""

from __future__ import annotations


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    out = []
    for item in text.split(","):
        item = item.strip()
        if item:
            formal, short = item.split(":")
            out.append((formal.strip(), short.strip()))
    return tuple(out)


# (formal name, nickname or diminutive) pairs. A formal name may have several.
NICKNAME_PAIRS: tuple[tuple[str, str], ...] = _pairs(
    "William:Bill, William:Will, William:Billy, William:Liam, Elizabeth:Liz, Elizabeth:Beth, "
    "Elizabeth:Lizzie, Elizabeth:Betty, Elizabeth:Libby, Frederick:Fred, Frederick:Freddie, "
    "Alfred:Alfie, Alfred:Alf, Samantha:Sam, Samantha:Sammy, Samuel:Sam, Samuel:Sammy, "
    "Alexander:Alex, Alexander:Sandy, Alexandra:Alex, Alexandra:Lexi, Benjamin:Ben, "
    "Benjamin:Benji, Charles:Charlie, Charles:Chas, Charlotte:Lottie, Charlotte:Charlie, "
    "Christopher:Chris, Christopher:Kit, Christine:Chris, Christine:Chrissie, Daniel:Dan, "
    "Daniel:Danny, Danielle:Dani, David:Dave, David:Davy, Edward:Ed, Edward:Eddie, "
    "Edward:Ted, Edward:Ned, Henry:Harry, Henry:Hal, James:Jim, James:Jimmy, James:Jamie, "
    "Jennifer:Jen, Jennifer:Jenny, Jessica:Jess, Jessica:Jessie, Jonathan:Jon, "
    "Jonathan:Jonny, Joseph:Joe, Joseph:Joey, Josephine:Jo, Josephine:Josie, Joanne:Jo, "
    "Katherine:Kate, Katherine:Katie, Katherine:Kath, Catherine:Cath, Catherine:Cathy, "
    "Catherine:Kate, Margaret:Maggie, Margaret:Peggy, Margaret:Meg, Margaret:Maisie, "
    "Matthew:Matt, Michael:Mike, Michael:Mick, Michael:Micky, Nicholas:Nick, Nicholas:Nicky, "
    "Nicola:Nicky, Nicola:Nikki, Patrick:Pat, Patrick:Paddy, Patricia:Pat, Patricia:Trish, "
    "Peter:Pete, Richard:Rich, Richard:Rick, Richard:Dick, Robert:Bob, Robert:Rob, "
    "Robert:Bobby, Robert:Robbie, Stephen:Steve, Steven:Steve, Susan:Sue, Susan:Susie, "
    "Thomas:Tom, Thomas:Tommy, Victoria:Vicky, Victoria:Tori, Anthony:Tony, Anthony:Ant, "
    "Andrew:Andy, Andrew:Drew, Abigail:Abbie, Abigail:Abi, Amelia:Millie, Amelia:Amy, "
    "Archibald:Archie, Rebecca:Becky, Rebecca:Becca, Deborah:Debbie, Deborah:Debs, "
    "Jacqueline:Jackie, Kimberley:Kim, Oliver:Ollie, Olivia:Liv, Olivia:Livvy, "
    "Theodore:Theo, Theodore:Teddy, Zachary:Zach, Joshua:Josh, Nathaniel:Nate, "
    "Nathaniel:Nat, Timothy:Tim, Timothy:Timmy, Gregory:Greg, Philip:Phil, Raymond:Ray, "
    "Ronald:Ron, Ronald:Ronnie, Donald:Don, Kenneth:Ken, Kenneth:Kenny, Leonard:Len, "
    "Leonard:Lenny, Terence:Terry, Gerald:Gerry, Lawrence:Larry, Lawrence:Laurie, "
    "Douglas:Doug, Stuart:Stu, Isabella:Bella, Isabella:Izzy, Isabelle:Izzy, Isabel:Izzy, "
    "Eleanor:Ellie, Eleanor:Nell, Florence:Flo, Florence:Florrie, Harriet:Hattie, "
    "Louise:Lou, Madeleine:Maddie, Natalie:Nat, Penelope:Penny, Stephanie:Steph, "
    "Theresa:Tess, Theresa:Terri, Valerie:Val, Wilfred:Wilf, Ernest:Ernie, Albert:Bert, "
    "Albert:Albie, Frances:Fran, Frances:Frankie, Francis:Frank, Francis:Frankie, "
    "Jacob:Jake, Mohammed:Mo, Muhammad:Mo, Maximilian:Max, Maxwell:Max, Evelyn:Evie, "
    "Gabriella:Gabby, Gabriel:Gabe, Matilda:Tilly, Matilda:Tilda, Sophia:Sophie, "
    "Dorothy:Dot, Dorothy:Dolly, Barbara:Babs, Gillian:Jill, Jennifer:Jenna, "
    "Reginald:Reggie, Reginald:Reg, Archibald:Archer, Arthur:Art, Harrison:Harry, "
    "Harold:Harry, Ellen:Ellie, Ella:Ellie, Annabel:Annie, Anne:Annie, Ann:Annie, "
    "Mary:Molly, Mary:Polly, Helen:Nell, Joanna:Jo, Louisa:Lou, Rosemary:Rosie, "
    "Rosalind:Roz, Veronica:Ronnie, Cameron:Cam, Callum:Cal, Dominic:Dom, Thomas:Tam, "
    "Jasmine:Jas, Jaspreet:Jas, Harpreet:Harp, Gurpreet:Gary, Oluwaseun:Seun, "
    "Chukwuemeka:Emeka, Funmilayo:Funmi, Temitope:Tope, Katarzyna:Kasia, "
    "Małgorzata:Gosia, Aleksandra:Ola, Krzysztof:Krzys, Siobhán:Shiv, Padraig:Paddy, "
    "Kimberley:Kimmy, Jayden:Jay, Reuben:Reub, Frederick:Freddy, Lucas:Luke"
)

_BY_NAME: dict[str, tuple[str, ...]] = {}
for _formal, _short in NICKNAME_PAIRS:
    _BY_NAME[_formal] = (*_BY_NAME.get(_formal, ()), _short)
    _BY_NAME[_short] = (*_BY_NAME.get(_short, ()), _formal)


def alternatives(given: str) -> tuple[str, ...]:
    """Names a clerk might write instead of ``given``: its nicknames or its formal form."""
    return _BY_NAME.get(given, ())


def nicknames_of(given: str) -> tuple[str, ...]:
    """Nicknames of a formal name (empty when it has none)."""
    return tuple(short for formal, short in NICKNAME_PAIRS if formal == given)


# Look-alike pairs some parents choose for twins of the same sex.
SIMILAR_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "M": _pairs(
        "Harry:Harley, Leo:Leon, Jack:Jake, Finn:Flynn, Alfie:Archie, Reggie:Ronnie, "
        "Oscar:Otis, Mason:Jason, Kai:Kian, Rory:Roman, Louie:Lewis, Ethan:Evan"
    ),
    "F": _pairs(
        "Ella:Ellie, Mia:Maya, Lily:Lola, Evie:Eva, Isla:Isabel, Ava:Ada, Rosie:Ruby, "
        "Millie:Mollie, Amelia:Emilia, Hallie:Hattie, Layla:Lyla, Grace:Gracie"
    ),
}
