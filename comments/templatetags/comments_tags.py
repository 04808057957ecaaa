"""Tags for the admin's (Django-template) pages; readers' pages use comments/jinja.py."""

from django import template

from comments.models import Comment

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_comment_count(context):
    """How many comments wait for a moderator; None for people who cannot moderate."""
    if not context["request"].user.has_perm("comments.can_moderate"):
        return None
    return Comment.objects.pending().count()
