"""What review campaigns announce to the capabilities built on them, which they never import.

- campaign_started(campaign=ReviewCampaign): sent inside the campaign's transaction, once its
  items are written, so what it makes (the inbox's review requests) commits with the campaign.
"""

from django.dispatch import Signal

campaign_started = Signal()
