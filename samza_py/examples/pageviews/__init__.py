"""The page-view counter: the high-level API's window example."""
