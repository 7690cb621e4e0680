"""What the applicants app tells higher apps, without importing them.

Higher apps (payments, reviews, certificates) connect receivers in their own `receivers.py`, imported from
their `AppConfig.ready()`. Both signals are sent with `send()` (not `send_robust()`) inside the service's
transaction: a receiver that raises `ValidationError` rolls the whole step back and the caller sees its
message, so a receiver may refuse the step.
"""

from django.dispatch import Signal

# Sent by `applicants.services.application_submit` once the application is numbered, locked and in status
# `submitted`, inside the same transaction.
#   sender:      applicants.models.Application (the class)
#   application: the Application, already saved as submitted
#   actor:       the user who submitted (the applicant)
#   now:         the moment of the submission (aware datetime), the one the window, the eligibility check and
#                the membership's validity are judged at
# payments opens the order here (a fee-free exceptional-track order is paid at once).
application_submitted = Signal()

# Sent by `applicants.services.application_withdraw` once the application is in status `withdrawn`,
# inside the same transaction.
#   sender:      applicants.models.Application (the class)
#   application: the Application, already saved as withdrawn
#   actor:       the user who withdrew
#   reason:      the reason given ("" when none)
#   now:         the moment of the withdrawal (aware datetime), the one the deadline was checked against
# payments cancels the unpaid order or refunds the paid one in full here.
application_withdrawn = Signal()

# Sent (read-only) by the 我的认证 page, `applicants.views.my_certifications`, so that higher apps can add a section
# to each application's card without applicants importing them.
#   sender:       applicants.models.Application (the class)
#   applications: the list of the signed-in applicant's own applications shown on the page
#   request:      the HttpRequest
# Each receiver returns {application pk: HTML (a SafeString)} and must not write. reviews adds the announced defense
# slot and, once the campaign's results are published, the scores per stage, total, rank and decision.
application_page_sections = Signal()
