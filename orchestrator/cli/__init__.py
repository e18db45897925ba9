"""The `fsm-dispatch` command line."""

from orchestrator.cli.app import app, main

__all__ = ["app", "main"]
