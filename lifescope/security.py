"""Response headers that neither Django nor django-csp sets.

Django's SecurityMiddleware covers nosniff, Referrer-Policy, Cross-Origin-Opener-Policy and HSTS;
XFrameOptionsMiddleware covers frame denial; django-csp covers Content-Security-Policy. What is
left is Permissions-Policy: a news site never needs the camera, the microphone or a visitor's
location, so no page, and no script injected into one, may ask for them.
"""

from django.conf import settings


def permissions_policy_header(features):
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)`."""
    return ", ".join(
        "{}=({})".format(feature, " ".join(allowlist)) for feature, allowlist in features.items()
    )


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
