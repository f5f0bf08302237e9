"""The one place that turns numbers into text, per language.

Indonesian uses a decimal comma and `rb` / `jt` / `M` for thousands, millions
and billions (`Rp 1,2 jt`, `3,4%`); English uses a decimal point.
"""

from __future__ import annotations

RATE_METRICS = frozenset({"access_rate", "retention", "interaction_rate", "ctr", "click_to_order"})
MONEY_METRICS = frozenset({"gmv", "gmv_total", "aov", "gpm"})
SECONDS_METRICS = frozenset({"avg_watch_s", "viewer_seconds", "duration_s", "events"})


def _decimal(value: float, digits: int, lang: str) -> str:
    text = f"{value:,.{digits}f}"
    if lang == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def number(value: float, lang: str = "id", digits: int = 0) -> str:
    return _decimal(value, digits, lang)


def percent(fraction: float, lang: str = "id") -> str:
    pct = fraction * 100
    digits = 0 if abs(pct) >= 100 else 1
    return _decimal(pct, digits, lang) + "%"


_SCALES = {
    "id": ((1e12, "T"), (1e9, "M"), (1e6, "jt"), (1e3, "rb")),
    "en": ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")),
}


def money(value: float, lang: str = "id") -> str:
    prefix = "Rp " if lang == "id" else "IDR "
    for scale, unit in _SCALES[lang]:
        if abs(value) >= scale:
            short = _decimal(value / scale, 1, lang)
            return f"{prefix}{short}{' ' if lang == 'id' else ''}{unit}"
    return prefix + _decimal(value, 0, lang)


def seconds(value: float, lang: str = "id") -> str:
    if value >= 3600:
        return f"{int(value // 3600)}{'j' if lang == 'id' else 'h'} {int(value % 3600 // 60):02d}m"
    if value >= 60:
        return f"{int(value // 60)}m {int(value % 60):02d}{'d' if lang == 'id' else 's'}"
    return _decimal(value, 0, lang) + ("d" if lang == "id" else "s")


def metric_value(metric: str, value: float | None, lang: str = "id") -> str:
    """A metric's value as the console and the alert messages show it."""
    if value is None:
        return "–"
    if metric in RATE_METRICS:
        return percent(value, lang)
    if metric in MONEY_METRICS:
        return money(value, lang)
    if metric in SECONDS_METRICS:
        return seconds(value, lang)
    if float(value).is_integer():
        return number(value, lang)
    return number(value, lang, 1)

