"""Footer labels in the chosen language.

Textual keeps one description per binding; switching language rewrites the
descriptions of a node's bindings (the footer then redraws).
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from .i18n import ACTIONS, action_label


def localize_bindings(node: DOMNode, lang: str) -> None:
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(binding, description=action_label(binding.action, lang)) if binding.action.removeprefix("app.") in ACTIONS else binding
            for binding in bindings
        ]
    node.refresh_bindings()
