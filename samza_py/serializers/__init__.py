"""The serde registry and the built-in serdes."""
