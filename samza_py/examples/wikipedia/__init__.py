"""hello-samza's Wikipedia jobs on samza-py."""
