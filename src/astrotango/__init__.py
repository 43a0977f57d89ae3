"""astrotango."""
