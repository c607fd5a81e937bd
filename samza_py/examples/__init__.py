"""Sample jobs (hello-samza's Wikipedia jobs, ported)."""
