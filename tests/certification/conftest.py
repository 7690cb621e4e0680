import pytest


@pytest.fixture
def draft(seeded):
    """The Jiangsu junior seed campaign, put back to draft."""
    from certification.models import Campaign

    c = seeded["jiangsu-junior-2024"]
    Campaign.objects.filter(pk=c.pk).update(status=Campaign.Status.DRAFT)
    c.refresh_from_db()
    return c
