"""Policy packs: the shipped sample pack (data) and the loader that validates a pack folder."""
