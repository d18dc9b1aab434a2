"""Deployment tooling: the template gates and `sam build`, shared by the Makefile, tests and bench."""
