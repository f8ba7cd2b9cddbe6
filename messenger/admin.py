"""Admin wiring: Django's admin autodiscovery imports this module, and the
operators' pages register from messenger.operations."""

from messenger.operations import admin  # noqa: F401  (registers the account admin)
