"""Use cases the doors call: each runs in one transaction and raises YidiError for what a caller did wrong."""
