"""Viewers' questions: which comments ask the host something, and about what.

Design note (issue 13, item 3)
------------------------------

**What a question is.** A comment is a question about a topic (harga, ukuran,
stok, ongkir, checkout, promo, bahan: the `[[questions.topics]]` of
config.toml) when it names the topic (one of its keywords, after
`normalise`) *and* it asks: it has a question mark, a question or request
word ("berapa", "gimana", "bisa", "ada", "ready", "minta", "dong", "how",
...), ends on a tag ("cod bisa ga", "udah dikirim belum"), opens like an
English question ("is it cotton"), or is nothing but the topic and a form of
address ("harga kak", "linknya kak 🙏"). A question with no topic word takes
the topic whose `implied_by` word it uses ("brp kak?" asks the price). A
comment can ask about several topics; one with no topic is not a question
(the host cannot act on "nama lagunya apa?").

Why a question signal is required, not only the topic word: the count drives
an alert that tells the host to stop and repeat the price or the checkout
steps. Praise and order reports name topics all the time ("harga nya murah
banget 😍", "udah checkout kak"); counting them would fire the alert in the
happiest rooms. A missed question costs less: the others asking the same
thing are still counted. So precision comes first (>= 0.9 per topic on
tests/fixtures/comments_id.txt) and recall second (>= 0.85); the question
mark alone is not required, because most live-chat questions have none
("ready size L", "cod bisa").

**What counts per minute (for the engine).** Per room and tick, over the
window `(t - window_s, t]` like every count of docs/metrics.md:

- `questions`: comments in the window with at least one topic;
- `questions_<topic>` (e.g. `questions_harga`): comments in the window about
  that topic (a comment about two topics counts once in each, once in
  `questions`);
- a comment is classified once, when the engine takes it in, never again.

With the default `window_s = 60` these are questions per minute. A viewer
repeating "brp kak" counts each time: repeats mean the question is still
unanswered.

**Rules.** No new rule kind is needed: `kind = "above"` on `questions_harga`
with `threshold = 14` fires at 15 price questions in the window; `for_s`,
`clear_s` and `cooldown_s` keep it from nagging. config.toml ships three
(price, size, how to buy); a rule on a topic the config does not name is
refused when the config is read.

**Cost.** `normalise` is a few regex passes and a dict lookup per word on at
most `MAX_COMMENT_CHARS` characters; the classifier is one compiled regex
per topic plus one for the question words. `python -m bench.questions`
measures it: about 30 µs for a chat comment of the corpus and 250 µs for
one at the length cap on the development machine, so hundreds of comments a
second cost under 1% of a core.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

#: TikTok caps a live comment near 150 characters; a longer one (a hostile
#: feed) is only read this far, so one comment's cost stays bounded.
MAX_COMMENT_CHARS = 300

# Chat abbreviations and slang, each written the way viewers type it, to the
# word the keyword lists and question words use. Only words that matter for
# telling a question and its topic apart are here: question words, negations
# (tag questions), the topic words' short forms, and forms of address.
_SLANG: dict[str, str] = {
    # question words
    "brp": "berapa", "brapa": "berapa", "brpa": "berapa", "brap": "berapa",
    "berapaan": "berapa", "brpan": "berapa", "brapaan": "berapa",
    "gmn": "bagaimana", "gmna": "bagaimana", "gmana": "bagaimana", "gimana": "bagaimana",
    "gimna": "bagaimana", "bgmn": "bagaimana", "bgmana": "bagaimana", "gimane": "bagaimana",
    "knp": "kenapa", "napa": "kenapa", "kpn": "kapan",
    "dmn": "dimana", "dmna": "dimana", "kmn": "kemana", "mn": "mana", "mna": "mana",
    "apkh": "apakah", "apaan": "apa", "whats": "what",
    "nanya": "tanya", "tny": "tanya", "tnya": "tanya",
    "bs": "bisa", "bsa": "bisa", "msh": "masih", "masi": "masih",
    "pls": "please", "plis": "please", "plz": "please", "pliss": "please",
    # negations and "not yet": "cod bisa ga", "udah dikirim blm"
    "ga": "tidak", "gak": "tidak", "gk": "tidak", "ngga": "tidak", "nggak": "tidak",
    "ngak": "tidak", "engga": "tidak", "enggak": "tidak", "kagak": "tidak", "ndak": "tidak",
    "nda": "tidak", "tdk": "tidak", "gag": "tidak",
    "gaada": "tidak ada", "gada": "tidak ada", "gabisa": "tidak bisa", "gbs": "tidak bisa",
    "blm": "belum", "blum": "belum", "belom": "belum",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah",
    # the topics' words
    "hrg": "harga", "hrga": "harga",
    "sz": "size", "uk": "ukuran", "ukr": "ukuran", "ukrn": "ukuran", "pjg": "panjang", "lbr": "lebar",
    "rdy": "ready", "redy": "ready", "reddy": "ready", "stk": "stok", "restok": "restock",
    "abis": "habis",
    "gratong": "gratis ongkir", "ongkr": "ongkir", "nyampe": "sampai", "sampe": "sampai",
    "cekout": "checkout", "ceckout": "checkout", "chekout": "checkout", "ckout": "checkout",
    "pake": "pakai", "tf": "transfer", "trf": "transfer",
    "vc": "voucher", "vcr": "voucher", "vocer": "voucher", "voucer": "voucher", "vouchr": "voucher",
    "bhn": "bahan", "tebel": "tebal",
    # everyday words
    "yg": "yang", "yng": "yang", "bgt": "banget", "bngt": "banget", "bnget": "banget",
    "kl": "kalau", "klo": "kalau", "kalo": "kalau",
    # forms of address
    "ka": "kak", "kk": "kak", "kaka": "kak", "sist": "sis",
}

# Two-word forms of one thing, after the word table.
_PHRASES: dict[str, str] = {
    "ongkos kirim": "ongkir", "free ongkir": "gratis ongkir",
    "check out": "checkout", "di mana": "dimana", "ke mana": "kemana",
    "j t": "jnt", "j n t": "jnt", "pre order": "preorder", "sold out": "soldout",
    "all size": "allsize", "big size": "bigsize",
}

#: Words that make a comment naming a topic a question (after `normalise`).
QUESTION_WORDS = frozenset({
    "berapa", "apa", "apakah", "bagaimana", "kapan", "mana", "dimana", "kemana",
    "kenapa", "mengapa", "siapa", "bisa", "boleh", "ada", "masih", "ready", "cara",
    "tanya", "info", "spill", "minta", "mohon", "tolong", "please", "dong",
    "how", "what", "when", "where", "which", "who", "can", "could", "any", "available",
})

# English yes/no questions open with these; elsewhere they are too common to count.
_OPENING_WORDS = frozenset({"is", "are", "do", "does", "will"})

# These at the end, or before a form of address, make a tag question: "cod bisa ga kak".
_TAG_WORDS = frozenset({"tidak", "belum"})

# Forms of address and particles: "harga kak" is a request, "harga murah" is not.
_PARTICLES = frozenset({
    "kak", "kakak", "sis", "say", "min", "admin", "gan", "bang", "bun", "bunda", "mom",
    "mbak", "mba", "mas", "bro", "ce", "cik", "ko", "guys", "ya", "yah", "sih", "nih",
    "deh", "dulu", "nya", "ini", "itu", "?",
})

# Suffixes a word may carry in chat: harganya, sizenya, adakah, sizes.
_SUFFIX = r"(?:n+y+a*|k+a+h+|s+)?"

_SYMBOLS = re.compile(r"[^\w\s?]|_")
_QUESTION_MARKS = re.compile(r"\?+")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
_DOUBLED = re.compile(r"([^\W\d_])\1+")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_PHRASE = re.compile(r"(?<!\S)(?:" + "|".join(re.escape(p) for p in _PHRASES) + r")(?!\S)")


def _skeleton(word: str) -> str:
    """Every run of a letter as one letter: "kakk", "kaak" and "kak" meet at "kak"."""
    return _DOUBLED.sub(r"\1", word)


def _by_skeleton() -> dict[str, str]:
    table = {_skeleton(word): word for word in _SLANG.values() if " " not in word}
    table.update((_skeleton(key), value) for key, value in _SLANG.items())
    return table


_SLANG_BY_SKELETON = _by_skeleton()


def _word(token: str) -> str:
    known = _SLANG.get(token)
    if known is not None:
        return known
    skeleton = _skeleton(token)
    if skeleton != token:  # a doubled letter ("gakk", "bisaa"): a stretched form of a known word?
        return _SLANG_BY_SKELETON.get(skeleton, token)
    return token


def normalise(text: str) -> str:
    """Comment text as the classifier reads it: lowercase words separated by one space.

    Emoji, symbols and punctuation go, except `?` (kept as its own word: it is
    the strongest question signal); letters stretched to three or more become
    one ("kaaak" -> "kak"); digits and letters are split ("150rb" -> "150 rb");
    chat abbreviations and slang become the plain word ("brp" -> "berapa",
    "gak" -> "tidak").
    """
    text = unicodedata.normalize("NFKC", text[:MAX_COMMENT_CHARS]).casefold()
    text = _SYMBOLS.sub(" ", text)
    text = _QUESTION_MARKS.sub(" ? ", text)
    text = _STRETCHED.sub(r"\1", text)
    text = _DIGIT_LETTER.sub(" ", text)
    text = " ".join(_word(token) for token in text.split())
    return _PHRASE.sub(lambda match: _PHRASES[match.group()], text)


def keyword_words(phrase: str) -> list[str]:
    """The words of a keyword as comments are matched against it (no `?`: it belongs to no topic)."""
    return [word for word in normalise(phrase).split() if word != "?"]


def _pattern(phrases: Iterable[str]) -> str:
    """One regex alternative per phrase, whole words only, tolerant of doubled letters."""
    alternatives = set()
    for phrase in phrases:
        words = keyword_words(phrase)
        if not words:
            continue
        alternatives.add(" ".join("".join(re.escape(char) + ("+" if char.isalpha() else "") for char in _skeleton(word))
                                  for word in words))
    if not alternatives:
        return r"(?!)"  # matches nothing
    ordered = sorted(alternatives, key=len, reverse=True)  # the longest phrase wins at one place
    return r"(?<!\S)(?:" + "|".join(ordered) + r")" + _SUFFIX + r"(?!\S)"


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic viewers ask about: its keywords in any language, and the bare question words that imply it."""

    name: str
    keywords: tuple[str, ...]
    implied_by: tuple[str, ...] = ()


class QuestionClassifier:
    """The topics one comment asks about, from the config's keyword lists (see the design note above)."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.names = tuple(topic.name for topic in topics)
        self._topics = tuple((topic.name, re.compile(_pattern(topic.keywords))) for topic in topics if topic.keywords)
        self._implied = tuple((topic.name, re.compile(_pattern(topic.implied_by))) for topic in topics if topic.implied_by)
        self._any_keyword = re.compile(_pattern(keyword for topic in topics for keyword in topic.keywords))
        self._question_word = re.compile(_pattern(QUESTION_WORDS))

    def topics(self, text: str) -> tuple[str, ...]:
        """The topics `text` asks about, in config order; empty when it asks nothing we count."""
        words = normalise(text)
        if not words:
            return ()
        named = tuple(name for name, pattern in self._topics if pattern.search(words))
        if named:
            return named if self._asks(words) or self._only_topics(words) else ()
        if self._asks(words):
            return next(((name,) for name, pattern in self._implied if pattern.search(words)), ())
        return ()

    def _asks(self, words: str) -> bool:
        """A question mark, a question or request word, an English question's opening, or a tag."""
        if "?" in words or self._question_word.search(words):
            return True
        tokens = words.split()
        if tokens[0] in _OPENING_WORDS:
            return True
        # a tag: "cod bisa ga", "kebesaran ga kak buat aku"
        return any(token in _TAG_WORDS and (following is None or following in _PARTICLES)
                   for token, following in zip(tokens, [*tokens[1:], None]))

    def _only_topics(self, words: str) -> bool:
        """Nothing but topic words and forms of address, a request: "harga kak", "linknya kak"."""
        return all(token in _PARTICLES for token in self._any_keyword.sub(" ", words).split())
