"""Who may do what in review: role predicates from `certification.predicates` combined with state
predicates that ask the same question the service asks before it writes."""

import rules

from certification.predicates import is_expert, is_secretariat, is_secretariat_of_campaign

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


@rules.predicate
def is_secretariat_of_campaign_obj(user, campaign):
    return is_secretariat_of_campaign(user, campaign)


@rules.predicate
def is_assigned_expert(user, assignment):
    return assignment is not None and is_expert(user) and assignment.expert.user_id == user.pk


@rules.predicate
def assignment_open(user, assignment):
    return assignment is not None and assignment.status == assignment.Status.ACTIVE


rules.add_perm("reviews.manage_experts", is_secretariat)
rules.add_perm("reviews.manage_portfolio", is_secretariat_of_campaign_obj)
rules.add_perm("reviews.view_expert_queue", is_expert)
rules.add_perm("reviews.view_assignment", is_assigned_expert)
rules.add_perm("reviews.score_assignment", is_assigned_expert & assignment_open)
