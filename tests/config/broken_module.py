"""A module that fails while being imported, as a user's task module might."""

raise RuntimeError("boom at import")
