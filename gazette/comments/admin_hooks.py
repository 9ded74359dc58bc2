"""Hooks that give moderators their queues in the Wagtail admin."""
