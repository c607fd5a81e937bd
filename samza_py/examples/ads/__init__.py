"""The seeds' ad click-through-rate example: impressions and clicks joined by impression id."""
