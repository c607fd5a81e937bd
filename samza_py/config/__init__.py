"""Loading job configuration (properties, YAML), typed views with Samza's keys and defaults, validation."""
