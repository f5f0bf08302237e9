"""Footer labels in the chosen language.

Textual keeps one description per binding; switching language rewrites the
descriptions of a node's bindings (the footer then redraws).
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from .i18n import ACTIONS, KEY_NAMES, action_label, key_name


def localize_bindings(node: DOMNode, lang: str) -> None:
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [_localized(binding, key, lang) for binding in bindings]
    node.refresh_bindings()


def _localized(binding, key: str, lang: str):
    if binding.action.removeprefix("app.") in ACTIONS:
        binding = replace(binding, description=action_label(binding.action, lang))
    if key in KEY_NAMES:
        binding = replace(binding, key_display=key_name(key, lang))
    return binding
