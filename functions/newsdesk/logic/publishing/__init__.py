"""Publishing: editors' uploads parsed, validated and applied in order, idempotently."""
