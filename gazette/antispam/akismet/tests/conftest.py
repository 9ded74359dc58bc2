# The adapter's fixtures (a fresh engine per test, an API key) serve the Akismet door's tests too.
from gazette.antispam.tests.conftest import _fresh_engines, api_key  # noqa: F401
