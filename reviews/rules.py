"""Who may do what in review: role predicates from `certification.predicates` combined with state
predicates that ask the same question the service asks before it writes."""

import rules

from certification.predicates import is_secretariat, is_secretariat_of_campaign

from . import services


@rules.predicate
def is_secretariat_of_application(user, application):
    """The application belongs to a campaign of the user's own authority (a province's for its campaigns, the
    national secretariat for national ones)."""
    return application is not None and is_secretariat_of_campaign(user, application.campaign)


@rules.predicate
def amendment_available(user, application):
    return application is not None and services.eligibility_return_open(application)


rules.add_perm("reviews.view_eligibility_queue", is_secretariat)
rules.add_perm("reviews.review_eligibility", is_secretariat_of_application)
rules.add_perm("reviews.return_for_amendment", is_secretariat_of_application & amendment_available)
