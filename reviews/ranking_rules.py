"""Permissions of stage moves, shortlist, defense, ranking and results (registered from ReviewsConfig.ready())."""

import rules

from certification.predicates import (
    is_administrator,
    is_applicant,
    is_expert,
    is_secretariat,
    is_secretariat_of_campaign,
)

# The campaign's own authority runs its shortlist, defense and ranking; an administrator may too.
rules.add_perm("reviews.view_rankings", is_administrator | is_secretariat)
rules.add_perm("reviews.manage_ranking", is_administrator | is_secretariat_of_campaign)
# An expert scores only the defenses of the panels they sit on (checked again by the service).
rules.add_perm("reviews.score_defense", is_expert)
# An applicant sees only their own slot and, once published, their own results.
rules.add_perm("reviews.view_own_results", is_applicant)
