from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; falls back to plain names before collectstatic has run
    (tests, a fresh checkout) instead of failing every page."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            stored: str = super().stored_name(name)
            return stored
        except ValueError:
            return name
