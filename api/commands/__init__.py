"""CLI commands, one module per area (see :mod:`api.cli`)."""
