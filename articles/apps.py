from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from taggit.models import Tag

        from articles import search, services

        search.connect_signals()
        # Tags are edited in taggit's own admin, which calls none of our services.
        post_save.connect(services.tag_changed, sender=Tag, dispatch_uid="purge-on-tag-save")
        post_delete.connect(services.tag_changed, sender=Tag, dispatch_uid="purge-on-tag-delete")
