"""Tooling around the deployment: local stack, template reading, sample content."""
