"""Permissions of the applicants app: role predicates combined with state predicates that call the same check
the service makes before it writes (`services.dossier_editable`, `submission_open`, `resubmission_open`,
`withdrawal_open`). Found by `rules.apps.AutodiscoverRulesConfig`; names avoid Django's model-permission form.
"""

import rules

from certification.predicates import is_applicant

from . import services


@rules.predicate
def is_application_owner(user, application):
    return application is not None and is_applicant(user) and application.applicant_id == user.pk


@rules.predicate
def dossier_editable(user, application):
    return application is not None and services.dossier_editable(application)


@rules.predicate
def submission_open(user, application):
    return application is not None and services.submission_open(application)


@rules.predicate
def resubmission_open(user, application):
    return application is not None and services.resubmission_open(application)


@rules.predicate
def withdrawal_open(user, application):
    return application is not None and services.withdrawal_open(application)


rules.add_perm("applicants.apply", is_applicant)
rules.add_perm("applicants.access_application", is_application_owner)
rules.add_perm("applicants.edit_dossier", is_application_owner & dossier_editable)
rules.add_perm("applicants.submit_application", is_application_owner & submission_open)
rules.add_perm("applicants.resubmit_application", is_application_owner & resubmission_open)
rules.add_perm("applicants.withdraw_application", is_application_owner & withdrawal_open)
