"""Role predicates (`rules`), shared by every app's `rules.py`, where they are combined with state predicates."""

import rules

from .models import Authority, Role


@rules.predicate
def is_applicant(user):
    return user.is_authenticated and user.role == Role.APPLICANT


@rules.predicate
def is_verified_applicant(user):
    """An applicant whose e-mail address is verified: only they may start or submit an application."""
    return is_applicant(user) and user.email_verified


@rules.predicate
def is_provincial_secretariat(user):
    return user.is_authenticated and user.role == Role.PROVINCIAL_SECRETARIAT and user.authority_id is not None


@rules.predicate
def is_national_secretariat(user):
    return user.is_authenticated and user.role == Role.NATIONAL_SECRETARIAT and user.authority_id is not None


is_secretariat = is_provincial_secretariat | is_national_secretariat


@rules.predicate
def is_expert(user):
    return user.is_authenticated and user.role == Role.EXPERT


@rules.predicate
def is_supervisor(user):
    return user.is_authenticated and user.role == Role.SUPERVISOR


@rules.predicate
def is_administrator(user):
    return user.is_authenticated and (user.is_superuser or user.role == Role.ADMINISTRATOR)


@rules.predicate
def is_secretariat_of_campaign(user, campaign):
    """The campaign belongs to the user's own authority."""
    return campaign is not None and is_secretariat(user) and campaign.authority_id == user.authority_id


@rules.predicate
def is_secretariat_of_province(user, province):
    """A provincial secretariat of that province, or the national secretariat (which sees every province)."""
    if not is_secretariat(user):
        return False
    if user.authority.kind == Authority.Kind.NATIONAL:
        return True
    province_id = getattr(province, "pk", province)
    return user.authority.province_id == province_id

