from django import template

from articles import sidebars

register = template.Library()


@register.inclusion_tag("articles/includes/popular_posts.html")
def popular_posts():
    return {"posts": sidebars.popular_posts()}


@register.inclusion_tag("articles/includes/section_nav.html", takes_context=True)
def section_nav(context):
    request = context.get("request")
    return {"sections": sidebars.section_links(), "current_path": request.path if request else ""}
