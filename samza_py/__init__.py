"""samza-py: Apache Samza's stream-job runner, in Python."""
