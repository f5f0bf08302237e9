"""Names a user reads for livemon's own ids, in both languages: one table for the console and the report.

No id reaches a screen or a report as it is spelt in the code: a severity,
a host action, a rule, the line of products beyond the cap each have a name
here (metrics have theirs in the metric catalogue). An id this module does
not know (a host action a feed invented) is data from outside: shown as it
came, made readable.
"""

from __future__ import annotations

from . import catalog
from .config import AlertRule
from .products import OTHER

SEVERITIES: dict[str, tuple[str, str]] = {
    "critical": ("kritis", "critical"),
    "warning": ("waspada", "warning"),
    "info": ("info", "info"),
}

#: What the host did (host_action `action`): the simulator's, TikTok's, the exports' and the common ones.
HOST_ACTIONS: dict[str, tuple[str, str]] = {
    "pin_product": ("sematkan produk", "pin a product"),
    "unpin_product": ("lepas sematan", "unpin the product"),
    "flash_sale": ("flash sale", "flash sale"),
    "comment_cta": ("ajak komentar", "call for comments"),
    "update_title": ("ganti judul", "new title"),
    "say_price": ("sebut harga", "say the price"),
    "giveaway": ("giveaway", "giveaway"),
    "live_start": ("siaran mulai", "LIVE starts"),
    "live_end": ("siaran selesai", "LIVE ends"),
    "orders_end": ("pesanan terakhir", "last order"),
}

#: How a rule's kind reads after its metric's name: "Retensi turun", "CTR produk rendah".
_KINDS: dict[str, tuple[str, str]] = {
    "drop": ("turun", "down"),
    "rise": ("naik", "up"),
    "below": ("rendah", "low"),
    "above": ("tinggi", "high"),
    "stale": ("berhenti", "stopped"),
}

_OTHER_PRODUCT = ("produk lainnya", "other products")


def pick(pair: tuple[str, str], lang: str) -> str:
    """The Indonesian or the English of a pair of words (any language but "id" reads English)."""
    return pair[0] if lang == "id" else pair[1]


def say(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """`key`'s words from a screen's or the report's own table; a key not in it is a metric, named by the catalogue."""
    pair = table.get(key)
    return catalog.label(key, lang) if pair is None else pick(pair, lang)


def severity(name: str, lang: str) -> str:
    pair = SEVERITIES.get(name)
    return pick(pair, lang) if pair is not None else name


def host_action(action: str, lang: str) -> str:
    """A host action's name; one a feed invented is shown readably as it came."""
    pair = HOST_ACTIONS.get(action)
    return pick(pair, lang) if pair is not None else action.replace("_", " ")


def rule(name: str, rules: dict[str, AlertRule] | list[AlertRule], lang: str) -> str:
    """A rule's name as a person says it: its metric and what happened to it ("Retensi turun")."""
    found = rules.get(name) if isinstance(rules, dict) else next((r for r in rules if r.name == name), None)
    if found is None:
        return name.replace("_", " ")
    return f"{catalog.label(found.metric, lang)} {pick(_KINDS[found.kind], lang)}"


def product(name: str, lang: str) -> str:
    """A product's id as shown; the line beyond the cap has a name."""
    return pick(_OTHER_PRODUCT, lang) if name == OTHER else name
