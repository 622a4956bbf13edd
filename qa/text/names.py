"""Cheap signals about capitalised names, for resolving a follow-up's pronouns without a
model: common first names by gender, titles, words that make a name an organisation,
places, nationality adjectives, and nouns for groups of people."""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


FEMALE_FIRST = word_set(
    """
    alice alicia amanda amy andrea angela ann anna anne annie barbara beatrice betty
    bridget carol caroline catherine charlotte cherie christine claire clare condoleezza
    diana diane dido donna dorothy elaine eleanor elena elizabeth ellen emily emma estelle
    eve fiona gillian glenda grace harriet hazel heather helen hilary hillary irene isabel
    jacqueline jane janet janice jennifer jessica jill joan joanna josephine joy judith
    judy julia julie karen kate katherine kathleen kathryn kelly kylie laura
    lauren linda lisa liz louise lucy lynne madonna margaret maria marion marja martha
    mary melanie michelle miriam monica nancy natalie nicola nicole olga patricia paula
    pauline penny rachel rebecca ruth sally samantha sandra sarah serena sharon shirley
    sophie stella susan svetlana tessa theresa tracey valentina vanessa venus victoria
    virginia wendy yvette zoe jodie keira kirsty ellen nigella gwyneth scarlett
    """
)

MALE_FIRST = word_set(
    """
    abdullah adam alan alastair alex alexander alistair andrew andy anthony antonio arnold
    arsene bernard bill bob boris brian carlos charles chris christian christopher
    clive colin craig dan daniel darren david dennis dominic donald douglas
    duncan ed edward eric francis frank fred gary gavin geoff geoffrey george
    gerhard gordon graham greg gregory harry henry hugh iain ian jack jacques james
    jamie jason jeff jeremy jim jimmy joe john jonathan jose josh juan julian karl keith
    ken kenneth kevin lawrence lee len les liam lord mark martin matt matthew
    michael mick mike mikhail nelson neil nick nicolas nigel oliver patrick paul pete
    peter phil philip rafael ray richard rob robert robbie roger roman ronaldo rupert
    russell ryan sam sean sebastian sergei silvio simon stephen steve steven stuart ted
    terry thomas tim tom tommy tony vladimir walter wayne william yasser tiger lleyton
    marat andre sven rio clint gerard
    """
)

FEMALE_TITLES = word_set(
    "mrs ms miss lady dame queen baroness duchess princess "
    "chairwoman spokeswoman actress businesswoman congresswoman sportswoman"
)
MALE_TITLES = word_set("mr sir lord king prince duke baron")
PERSON_TITLES = word_set(
    """
    dr president chancellor minister secretary senator governor coach manager chairman
    chief judge general captain professor prof striker midfielder defender goalkeeper
    singer actor actress director spokesman spokeswoman lawyer sprinter player star
    boss leader premier mp musician writer author artist sculptor presenter designer
    poet novelist comedian dancer runner hurdler athlete champion jumper boxer golfer
    cyclist swimmer footballer winger keeper economist adviser commissioner official
    correspondent editor journalist host producer composer rapper drummer guitarist
    founder analyst executive pundit rival opponent
    """
)

ORG_WORDS = word_set(
    """
    agency airline airlines airways alliance assembly association authority bank bbc
    board bureau cabinet centre center channel club college commission committee company
    congress corp corporation council court department electronics entertainment
    federation forces fund government group holdings inc industries institute
    international league ltd media ministry motors network office organisation
    organization parliament partnership party plc police railways records republic
    school service services society state states studios systems team telecom
    television treasury tribunal trust union united university reserve exchange news
    times journal magazine press foundation laboratories brothers bros pictures mobile
    energy oil petroleum software communications networks online bureau radio fm
    """
)

PLACES = word_set(
    """
    afghanistan africa america asia athens australia austria baghdad beijing belgium
    berlin brazil britain brussels california canada chicago china england europe
    france germany greece holland hong india indonesia iran iraq ireland israel italy
    japan jakarta kabul kong korea london los madrid manchester mexico moscow new
    nigeria norway pakistan palestine paris poland portugal qatar rome russia scotland
    singapore spain sweden switzerland sydney syria taiwan tajikistan tel tokyo
    turkmenistan turkey uk ukraine us usa wales washington york zimbabwe
    """
)

DEMONYMS = word_set(
    """
    afghan african american asian australian austrian belgian brazilian british canadian
    chinese dutch english european french german greek indian iranian iraqi irish
    israeli italian japanese korean mexican nigerian pakistani polish portuguese russian
    scottish spanish swedish swiss syrian turkish ukrainian welsh western eastern
    northern southern central
    """
)

# Nouns that name several people ("the pair", "the sprinters"): a "they".
GROUP_NOUNS = word_set(
    """
    athletes band bosses children couple demonstrators duo families fans fighters
    investors managers members militants ministers mps pair parents passengers players
    protesters researchers shareholders soldiers sprinters students teachers trio
    users voters workers consumers customers critics officials judges rebels staff
    """
)

# Capitalised words that are never a referent on their own.
CALENDAR = word_set(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december christmas easter
    """
)
