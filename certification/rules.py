"""Permissions of the certification app: role predicates (`certification.predicates`) combined with state
predicates that ask the service's own question. Found by `rules.apps.AutodiscoverRulesConfig`.

Names never take the form of a Django model permission (`add_`/`change_`/`delete_`/`view_<model>`), so the
admin site's model permissions and these stay apart (see `User.has_perm`).
"""

import rules

from . import services
from .models import Campaign
from .predicates import (
    is_administrator,
    is_expert,
    is_secretariat,
    is_secretariat_of_campaign,
    is_supervisor,
)


def _can_move(to):
    @rules.predicate(name=f"campaign_can_become_{to}")
    def predicate(user, campaign):
        return campaign is not None and services.campaign_can_move(campaign, to=to)

    return predicate


manages_campaign = is_administrator | is_secretariat_of_campaign

rules.add_perm("certification.manage_campaign", manages_campaign)
rules.add_perm("certification.create_campaign", is_administrator | is_secretariat)
rules.add_perm("certification.publish_campaign", manages_campaign & _can_move(Campaign.Status.PUBLISHED))
rules.add_perm("certification.close_campaign", manages_campaign & _can_move(Campaign.Status.CLOSED))
rules.add_perm("certification.unpublish_campaign", manages_campaign & _can_move(Campaign.Status.DRAFT))
rules.add_perm("certification.view_outbox", is_administrator | is_secretariat)
rules.add_perm("certification.use_exports", is_administrator | is_secretariat)
rules.add_perm("certification.expert_home", is_expert)
rules.add_perm("certification.supervision_home", is_supervisor)
