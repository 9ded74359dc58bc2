"""Hooks that put the discussion on reader pages (the article slot, story-card counts)."""
