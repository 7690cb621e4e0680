"""Who may do what in the publication stage."""

import rules

from certification.predicates import (
    is_administrator,
    is_secretariat_of_campaign,
    is_supervisor,
)


@rules.predicate
def is_holder(user, certificate):
    return certificate is not None and user.is_authenticated and certificate.holder_id == user.pk


# The secretariat of the campaign's authority posts the notice and issues the certificates.
rules.add_perm("certificates.manage_publication", is_administrator | is_secretariat_of_campaign)
# The supervision committee receives and decides complaints.
rules.add_perm("certificates.handle_complaints", is_supervisor)
# Notice 001: 认证后如受到党纪处分、行政处罚的将收回认证 — revoked by an administrator or the committee.
rules.add_perm("certificates.revoke_certificate", is_administrator | is_supervisor)
rules.add_perm("certificates.download_certificate", is_holder | is_administrator)
