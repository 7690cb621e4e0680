"""Who may do what in the exam centre (`rules` predicates, as in every app's rules.py)."""

import rules

from certification.predicates import is_administrator, is_applicant, is_secretariat_of_campaign


@rules.predicate
def is_own_paper(user, paper):
    return paper is not None and user.is_authenticated and paper.application.applicant_id == user.pk


@rules.predicate
def manages_paper_campaign(user, paper):
    return paper is not None and is_secretariat_of_campaign(user, paper.session.campaign)


# A candidate takes only their own paper; the ticket is also open to the campaign's secretariat.
rules.add_perm("reviews.exam_take_paper", is_applicant & is_own_paper)
rules.add_perm("reviews.exam_view_ticket", (is_applicant & is_own_paper) | is_administrator | manages_paper_campaign)
# Sessions, papers, progress and score imports of a campaign (object: the campaign).
rules.add_perm("reviews.exam_manage", is_administrator | is_secretariat_of_campaign)
