"""The local stack: moto server + template-driven triggers + the API on loopback."""
