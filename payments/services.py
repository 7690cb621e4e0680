"""Money. The applicants app calls exactly these two functions; everything else here is internal.

Placeholders until the payments issue lands: they keep the seam the applicant journey relies on.
"""


def order_open_for_application(*, application, actor):
    """Called inside `applicants.services.application_submit`'s transaction once an application is submitted.

    Creates the order for the campaign fee; a fee-free application (exceptional track) is marked paid at once.
    """
    return None


def order_settle_withdrawal(*, application, actor, reason: str = ""):
    """Called inside `applicants.services.application_withdraw`'s transaction: refunds what was paid."""
    return None
