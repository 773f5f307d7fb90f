"""Heuristic prefilter: how much a text segment reads like step-by-step instructions.

The cheapest stage of the pipeline, and the one that decides how much LLM money is spent: every
segment gets a score in [0, 1] and the names of the signals that fired. The score is a logistic
function of capped signal strengths measured as densities (per sentence, per word), so a long page
does not pass by accumulating scattered cues, no single weak cue (one "click", one numbered list of
headlines) passes a segment on its own, and a procedure written as prose, without numbering, still
passes when imperative openings, sequence words and UI vocabulary come together.

Speed: regexes are compiled once at import, words are counted once with a Counter and looked up in
frozensets; the regexes that run per call are anchored or guarded by a cheap substring test.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

# Signal names (stable: they are stored in the prefilter table's `signals` column).
NUMBERED_STEPS = "numbered_steps"
BULLETED_STEPS = "bulleted_steps"
IMPERATIVE_STEPS = "imperative_steps"
HOW_TO_TITLE = "how_to_title"
IMPERATIVE_OPENINGS = "imperative_openings"
SEQUENCE_WORDS = "sequence_words"
UI_VOCABULARY = "ui_vocabulary"
MENU_PATH = "menu_path"
KEYBOARD_SHORTCUT = "keyboard_shortcut"
SECOND_PERSON = "second_person"
NARRATIVE_VOICE = "narrative_voice"
SIGNALS = (
    NUMBERED_STEPS, BULLETED_STEPS, IMPERATIVE_STEPS, HOW_TO_TITLE, IMPERATIVE_OPENINGS, SEQUENCE_WORDS,
    UI_VOCABULARY, MENU_PATH, KEYBOARD_SHORTCUT, SECOND_PERSON, NARRATIVE_VOICE,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PrefilterScore:
    score: float  # in [0, 1]; a segment passes at score >= threshold (config default 0.5)
    signals: tuple[str, ...]  # names of the signals that fired, in a fixed order


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Base-form verbs that open instructions ("Open the app.", "Tap Save.", "Mix the flour ...").
_IMPERATIVE_VERBS = _words(
    """
    access activate add adjust allow apply arrange ask attach avoid back bake be begin bend blend boil
    book bring browse build buy calculate call cancel change charge check choose clean clear click
    close collect combine compare complete configure confirm connect consider contact continue copy
    cover create cut decide define delete describe determine disable disconnect do don't download drag
    drain draw drop dry edit empty enable enter fill find fix fold follow forget gather get give go grab
    hang heat hit hold identify insert install keep label launch lay leave lift link load locate lock
    log look loosen lower make mark measure mix move navigate never note open pay paste pick place plug
    pour prepare press print pull push put raise reboot refresh register reinstall release reload
    remember remove rename repeat replace reset restart restore return review rinse roll rotate run
    save scroll search secure select send separate set shut sign slide soak sort spray spread start
    stir stop store submit swipe switch take tap test tie tighten toggle touch try turn type uncheck
    undo unlock unplug update upload use verify visit wait wash wipe wrap write
    """
)
# Openers that may precede the verb of an instruction: "Then tap", "Next, open", "Gently pull".
_LEAD_INS = _words(
    """
    then next now first firstly second secondly third finally lastly afterwards also and
    carefully gently slowly simply quickly just again always
    """
)
# Introductory clauses before the verb: "To save it, click ...", "If it fails, restart ...".
_CLAUSE_OPENERS = _words("to if when once after before under in on from while for")
_SEQUENCE_WORDS = _words("first firstly secondly then next finally lastly afterwards afterward until")
_UI_WORDS = _words(
    """
    click clicks clicking double-click right-click tap tapping swipe menu menus settings button buttons
    checkbox dropdown drop-down dialog tab tabs toolbar icon icons window browser screen app apps
    application website webpage device phone smartphone iphone android tablet computer laptop keyboard
    mouse install installed installer download downloads uninstall upload login logout signup account
    password username profile email wi-fi wifi bluetooth router usb file files folder desktop press
    select enter type scroll toggle enable disable reboot restart update url online internet windows
    mac os
    """
)
_SECOND_PERSON_WORDS = _words("you your you're you'll you've yourself yours")
_FIRST_PERSON_WORDS = _words("i i'm i've i'd my me mine myself we we're we've our ours us")

# Typographic punctuation read like ASCII ("Don’t" is "Don't", "–" a dash); applied before measuring,
# one str.replace per character present (str.translate with a mapping made scoring ~35% slower).
_TYPOGRAPHIC = (
    ("’", "'"), ("‘", "'"), ("ʼ", "'"), ("“", '"'), ("”", '"'), ("„", '"'), ("–", "-"), ("—", "-"),
    ("‐", "-"), ("‑", "-"), ("\u00a0", " "),
)  # fmt: skip
# Words that cannot open an instruction although they open many list items (headlines, captions):
# articles, determiners, pronouns, prepositions, conjunctions, question words, auxiliaries, numerals.
_NOT_VERBS = _words(
    """
    a an the this that these those my your his her its our their i you he she it we they me him us them
    some any each every all both either neither no none one two three four five six seven eight nine ten
    many more most much few several other another such what which who whom whose when where why how
    in on at by for with from to of about into onto over under after before during between through
    and or but nor so yet if because while although though as than there here
    is are was were be been being am has have had do does did will would can could shall should may
    might must not new old best top first last next local today yesterday tomorrow
    """
)
# What follows the verb of a terse step: its object's determiner, a spelled-out quantity or a particle
# ("Obtain eight blocks", "Craft a book", "Pair the earbuds", "Back up your phone"). Not "in"/"on":
# headings put them after nouns ("Lunch in the atrium", "Panel on the future").
_OBJECT_OPENERS = _words(
    """
    a an the this that these those your my our their its it them him her all some any each every both
    one two three four five six seven eight nine ten several another up out off down back
    """
)
_STEP_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z'-]*")
_BARE_MARKER = re.compile(r"(?:step\s*)?\d{1,3}[.):]", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'’-]*")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
_OPENING_WORDS = re.compile(r"[A-Za-z][A-Za-z'’]*")
# A list item: "1. ", "2) ", "Step 3:", "a) " (numbered) or "- ", "* ", "• " (bulleted), at line start.
_LIST_ITEM = re.compile(
    r"(?:(?P<number>(?:step\s*)?\d{1,3}[.):]|[a-h][.)])|(?P<bullet>[-*•·▪●◦‣–]))\s+", re.IGNORECASE
)
_HOW_TO = re.compile(r"(?:how to|how do i|how can i|step[- ]by[- ]step)\b", re.IGNORECASE)
_PHRASES = re.compile(
    r"\b(?:after that|once you|when you're done|log (?:in|out)|sign (?:in|up|out))\b", re.IGNORECASE
)
_MENU_ARROWS = (">", "→", "»")
_MENU_PATH = re.compile(r"\b[A-Z][\w&' ]{0,30}?\s?(?:>|->|→|»)\s?[A-Z\"'“]")
_SHORTCUT = re.compile(r"\b(?:ctrl|control|cmd|command|alt|option|shift|win|fn)\s?\+\s?\w", re.IGNORECASE)

_INTERCEPT = -4.0  # with no evidence the score is sigmoid(-4) ≈ 0.018


def _is_imperative(sentence: str) -> bool:
    """True when the sentence opens with an instruction verb, after an optional lead-in ("Then tap")
    or an introductory clause ("To save it, click ...", "If it fails, restart ...")."""
    if sentence.endswith("?"):
        return False
    opening = _OPENING_WORDS.findall(sentence, 0, 48)[:3]
    if opening and opening[0].lower() in _CLAUSE_OPENERS:
        comma = sentence.find(",", 0, 100)
        return comma > 0 and _opens_with_verb(_OPENING_WORDS.findall(sentence, comma, comma + 48)[:3])
    return _opens_with_verb(opening)


def _is_step(text: str) -> bool:
    """A list item or numbered step that is an instruction: a known verb opening, or — for verbs no
    list holds (obtain, craft, pair, descale) — a sentence (ending in . or !) whose capitalised first
    word has no noun/tense ending and is not a function word, followed by an object's determiner, a
    spelled-out quantity or a particle. Headings and agendas ("Lunch in the atrium") are not sentences."""
    if _is_imperative(text):
        return True
    if not text.rstrip().endswith((".", "!")):
        return False
    words = _STEP_WORDS.findall(text, 0, 48)[:2]
    if len(words) < 2 or not words[0][0].isupper():
        return False
    first = words[0].lower()
    second = words[1].lower()
    return (
        first not in _NOT_VERBS
        and not first.endswith(("ing", "ed", "ly", "'s"))
        and not (first.endswith("s") and not first.endswith("ss"))
        # Not digits: a table line is "Arsenal 24 points."
        and second in _OBJECT_OPENERS
    )


def _opens_with_verb(words: list[str]) -> bool:
    for word in words:
        lowered = word.lower()
        if lowered in _IMPERATIVE_VERBS:
            return True
        if lowered not in _LEAD_INS:
            return False
    return False


@dataclass(frozen=True, slots=True)
class _Measures:
    sentences: int
    imperative_sentences: int
    numbered_items: int
    bulleted_items: int
    imperative_items: int
    words: int
    sequence_words: int
    ui_words: int
    second_person: int
    first_person: int
    how_to: bool
    menu_path: bool
    shortcut: bool


def _measure(text: str) -> _Measures:
    numbered = bulleted = imperative_items = 0
    for line in text.split("\n"):
        item = _LIST_ITEM.match(line)
        if item is None:
            continue
        if item.group("number"):
            numbered += 1
        else:
            bulleted += 1
        imperative_items += _is_step(line[item.end() :])
    sentences = [sentence for sentence in _SENTENCE_SPLIT.split(text) if sentence]
    # List markers are stripped so "1. Open the app." counts as an imperative opening too; a sentence
    # after a marker ("… 2. Collect two diamonds.") is a step and gets the open-vocabulary test.
    imperative = 0
    after_marker = False
    for sentence in sentences:
        stripped = _strip_list_marker(sentence)
        is_step = after_marker or stripped is not sentence
        imperative += _is_step(stripped) if is_step else _is_imperative(stripped)
        after_marker = _BARE_MARKER.fullmatch(sentence) is not None
    lowered = text.lower()
    counts = Counter(_TOKEN.findall(lowered))
    phrases = _PHRASES.findall(lowered)
    has_arrow = any(arrow in text for arrow in _MENU_ARROWS)
    return _Measures(
        sentences=max(len(sentences), 1),
        imperative_sentences=imperative,
        numbered_items=numbered,
        bulleted_items=bulleted,
        imperative_items=imperative_items,
        words=max(sum(counts.values()), 1),
        sequence_words=_total(counts, _SEQUENCE_WORDS)
        + sum(not p.startswith(("log", "sign")) for p in phrases),
        ui_words=_total(counts, _UI_WORDS) + sum(p.startswith(("log", "sign")) for p in phrases),
        second_person=_total(counts, _SECOND_PERSON_WORDS),
        first_person=_total(counts, _FIRST_PERSON_WORDS),
        how_to=_HOW_TO.match(text) is not None,
        menu_path=has_arrow and _MENU_PATH.search(text) is not None,
        shortcut="+" in text and _SHORTCUT.search(text) is not None,
    )


def _strip_list_marker(sentence: str) -> str:
    item = _LIST_ITEM.match(sentence)
    return sentence[item.end() :] if item else sentence


def _total(counts: Counter[str], vocabulary: frozenset[str]) -> int:
    return sum(counts[word] for word in vocabulary.intersection(counts))


def _strengths(m: _Measures) -> dict[str, float]:
    """Each signal's contribution to the logit; 0.0 means the signal did not fire."""
    items = m.numbered_items + m.bulleted_items
    imperative_share = m.imperative_sentences / m.sentences
    return {
        NUMBERED_STEPS: 0.3 + 0.2 * min(m.numbered_items, 6) if m.numbered_items >= 2 else 0.0,
        BULLETED_STEPS: 0.2 + 0.1 * min(m.bulleted_items, 6) if m.bulleted_items >= 2 else 0.0,
        # List items that are themselves instructions are the strongest structural cue.
        IMPERATIVE_STEPS: 2.0 * m.imperative_items / items if items >= 2 and m.imperative_items >= 2 else 0.0,
        HOW_TO_TITLE: 1.5 if m.how_to else 0.0,
        IMPERATIVE_OPENINGS: 10.0 * min(imperative_share, 0.45) if m.imperative_sentences >= 2 else 0.0,
        SEQUENCE_WORDS: 3.0 * min(m.sequence_words / m.sentences, 0.3) if m.sequence_words else 0.0,
        UI_VOCABULARY: 0.4 * min(100.0 * m.ui_words / m.words, 4.0) if m.ui_words >= 2 else 0.0,
        MENU_PATH: 1.0 if m.menu_path else 0.0,
        KEYBOARD_SHORTCUT: 1.0 if m.shortcut else 0.0,
        SECOND_PERSON: min(20.0 * m.second_person / m.words, 1.5) if m.second_person else 0.0,
        NARRATIVE_VOICE: -min(40.0 * m.first_person / m.words, 2.0) if m.first_person >= 2 else 0.0,
    }


def _as_ascii_punctuation(text: str) -> str:
    for typographic, plain in _TYPOGRAPHIC:
        if typographic in text:
            text = text.replace(typographic, plain)
    return text


def score_text(text: str) -> PrefilterScore:
    """Score one segment: sigmoid of the intercept plus the strengths of the signals that fired."""
    if not text.isascii():
        text = _as_ascii_punctuation(text)
    strengths = _strengths(_measure(text))
    logit = _INTERCEPT + sum(strengths.values())
    return PrefilterScore(
        score=1.0 / (1.0 + math.exp(-logit)),
        signals=tuple(name for name, value in strengths.items() if value),
    )
