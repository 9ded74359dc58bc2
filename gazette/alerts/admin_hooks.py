"""The newsroom's alert screens in the Wagtail admin (helper-AS fills this in)."""
