"""A demo dataset so that a newcomer can try every flow of yidi at once (sample data, not real people)."""
