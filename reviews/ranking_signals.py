"""What ranking tells higher apps (certificates), without importing them.

`results_published` is sent by `reviews.ranking_services.results_publish` inside its transaction, once every
deciding application of the campaign is certified or not certified and the ranking is frozen; a receiver that
raises `ValidationError` rolls the publication back.
    sender:   certification.models.Campaign (the class)
    campaign: the Campaign whose results are now published
    actor:    the secretariat user who published
"""

from django.dispatch import Signal

results_published = Signal()
