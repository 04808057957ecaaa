"""django-allauth's adapter (ACCOUNT_ADAPTER): where the site's own rules meet allauth's."""

from allauth.account.adapter import DefaultAccountAdapter

from lifescope import client


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        """The client as our trusted proxies name it (lifescope/client.py), as django-axes and
        comment limits see it: allauth's per-client limits (sign-up floods) count readers, not
        the load balancer."""
        return client.client_ip(request)

    def pre_authenticate(self, request, **credentials):
        """Wrong passwords are django-axes' alone to count, in the database (README, "Staff
        sign-in"): allauth's own count ("login_failed") would answer first with another page,
        forget nothing on success, and refuse everyone while Redis is down. Wrong second-factor
        codes are still counted by allauth under that limit."""
