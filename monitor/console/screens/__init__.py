"""Screens of the live console."""
