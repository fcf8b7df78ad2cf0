"""Make the renditions of every cover and body image again, and re-render the bodies."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from news.articles.body import local_images, render_body
from news.articles.models import Article
from yzgz import images


class Command(BaseCommand):
    help = "Regenerate the WebP/JPEG renditions of all cover and body images and re-render article bodies."

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing-only", action="store_true", help="Only write renditions that do not exist yet (faster)."
        )

    def handle(self, *args, missing_only=False, verbosity=1, **options):
        articles = Article.objects.only("id", "cover", "body", "body_html").order_by("pk")
        names = []
        for article in articles.iterator(chunk_size=500):
            if article.cover:
                names.append(article.cover.name)
            names.extend(local_images(article.body))
        names = list(dict.fromkeys(names))
        progress = tqdm(total=len(names), desc="images", file=self.stdout._out, ascii=True, disable=not verbosity)
        written = failed = 0
        for name in names:
            try:
                written += images.ensure_renditions(name, default_storage, force=not missing_only)
            except Exception as exc:  # a missing or broken original: report and go on
                failed += 1
                self.stderr.write(f"\n{name}: {exc}")
            progress.update()
        progress.close()
        rendered = 0
        for article in articles.iterator(chunk_size=500):
            body_html = render_body(article.body)
            if body_html != article.body_html:
                Article.objects.filter(pk=article.pk).update(body_html=body_html)
                rendered += 1
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{len(names)} images, {written} renditions written, {failed} failed; "
                    f"{rendered} bodies re-rendered."
                )
            )
        if failed:
            raise CommandError(f"{failed} images could not be processed; see above.")
