# Browser tests build applicants the way the unit tests do.
from tests.applicants.conftest import complete_profile  # noqa: F401
