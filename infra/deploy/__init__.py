"""Deployment tooling: template gates and `sam build`, shared by Makefile, tests and bench."""
