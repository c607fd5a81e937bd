"""JobModel, SSP and task-name groupers, job factories (thread, process, YARN) and the run-job CLI."""
