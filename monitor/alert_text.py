"""An alert in words: chosen at the edge (console, report, headless writer), never in the engine.

The engine's `Alert` is data (rule, metric, value, baseline, threshold,
state). A rule's words are two templates per language: the problem ("Retensi
turun 30% (23,8%, biasanya 49,1%)") and the action for the host ("ajak
komentar: ketik 'merah' atau 'hijau'"); the message of alerts.md is the two
joined by a dash. Whoever shows an alert renders it in the language shown
now, so switching language re-renders every screen alike, and nothing ever
parses words back into parts.
"""

from __future__ import annotations

from . import catalog, formatting
from .config import AlertRule, RuleMessage
from .rules import RESOLVED, Alert

_RECOVERED = {
    "id": "Sudah pulih — {label} kini {value}",
    "en": "Recovered — {label} now {value}",
}
_DASH = " — "


def fields(alert: Alert, lang: str) -> dict[str, str]:
    """The placeholders of a rule's words, formatted for the language."""
    metric = alert.metric
    change = None
    if alert.baseline and alert.value is not None:
        change = abs(alert.value - alert.baseline) / abs(alert.baseline)
    return {
        "value": formatting.metric_value(metric, alert.value, lang),
        "baseline": formatting.metric_value(metric, alert.baseline, lang),
        "threshold": formatting.metric_value(metric, alert.threshold, lang),
        "change": formatting.percent(change, lang) if change is not None else "–",
    }


def _fill(words: RuleMessage | None, alert: Alert, lang: str) -> str:
    if words is None:
        return ""
    template = words.id if lang == "id" else words.en
    try:
        return template.format(**fields(alert, lang))
    except (KeyError, IndexError, ValueError):  # a template config.py refused; never on a validated config
        return template


def problem(alert: Alert, rule: AlertRule | None, lang: str) -> str:
    """What went wrong (for a resolved alert: that it recovered, with the value now)."""
    if alert.state == RESOLVED:
        value = formatting.metric_value(alert.metric, alert.value, lang)
        return _RECOVERED[lang].format(label=catalog.label(alert.metric, lang), value=value)
    if rule is None:  # the rule is gone (edited away, or another process's config): its metric and value
        return f"{catalog.label(alert.metric, lang)} {formatting.metric_value(alert.metric, alert.value, lang)}"
    if rule.problem is None:
        return _fill(rule.message, alert, lang)
    return _fill(rule.problem, alert, lang)


def action(alert: Alert, rule: AlertRule | None, lang: str) -> str:
    """What the host should do now ("" when resolved, or when the rule has one message only)."""
    if alert.state == RESOLVED or rule is None:
        return ""
    return _fill(rule.action, alert, lang)


def message(alert: Alert, rule: AlertRule | None, lang: str) -> str:
    """The one line of alerts.md: the problem, a dash, the action."""
    head, advice = problem(alert, rule, lang), action(alert, rule, lang)
    return head + _DASH + advice if advice else head


class AlertWords:
    """The rules by name and a language: what a writer needs to put an alert in words."""

    def __init__(self, rules: list[AlertRule], lang: str) -> None:
        self.rules = {rule.name: rule for rule in rules}
        self.lang = lang

    def message(self, alert: Alert) -> str:
        return message(alert, self.rules.get(alert.rule), self.lang)
