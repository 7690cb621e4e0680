# Review tests build applicants the way the applicant tests do.
from tests.applicants.conftest import complete_profile, demo, senior_draft  # noqa: F401
