"""Widgets of the live console; each owns its look in DEFAULT_CSS."""
