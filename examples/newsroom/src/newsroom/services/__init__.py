"""Business logic shared by the web app, the worker, the CLI and the blocking API."""
