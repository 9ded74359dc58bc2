"""Signals other parts may follow (alerts' "follow this story" later): sent after the commit
that made an entry visible, with ``page`` (the LivePage) and ``entry``."""

from django.dispatch import Signal

live_entry_published = Signal()
