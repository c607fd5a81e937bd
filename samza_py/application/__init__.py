"""The high-level API at run time: an application's config, its operator graph and the task that runs it."""
