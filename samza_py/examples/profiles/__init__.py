"""The seeds' "who viewed your profile" example."""
