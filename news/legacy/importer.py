"""The Discuz! X import: how each old row becomes a category, member, article, reaction or comment.

``manage.py import_discuz`` (news.legacy.management.commands) reads the arguments and runs
:class:`DiscuzImport`. Idempotent: every imported row is recorded in ``LegacyId`` with a
digest of the old row; a second run skips what is unchanged and updates what changed, never
duplicating. ``since`` also re-reads article pages and comments written after a moment (the
final sync on switch-over day). One bad row never stops the run: it is counted and written
to the report.
"""

import contextlib
import csv
import html
import ipaddress
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, reset_queries, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from tqdm import tqdm

from accounts.models import Ban
from news.articles import services as article_services
from news.articles.editor import store_body_image
from news.articles.models import Article, Category, Source
from news.comments.models import Comment
from news.legacy import discuz, files
from news.legacy.models import Attachment, LegacyId
from news.viewcounts import reactions
from news.viewcounts.models import Reaction, ReactionVote
from yzgz import images, pagecache
from yzgz.links import object_url

Kind = LegacyId.Kind
BATCH = 500
COMMENT_BATCH = 2000
ARTICLE_STATUS = {0: Article.Status.PUBLISHED, 1: Article.Status.REVIEW, 2: Article.Status.DRAFT}
COMMENT_STATUS = {0: Comment.Status.APPROVED, 1: Comment.Status.PENDING, 2: Comment.Status.REJECTED}
BANNED_GROUPS = {4, 5}  # banned from posting, banned from visiting
LEGACY_VOTE = "discuz:"  # prefix of the visitor of a reaction counted by the old portal


class ImportStopped(Exception):
    """The run cannot go on (storage failed, the old database went away); what was imported stays."""


class DiscuzImport:
    def __init__(self, db, *, stdout, style, verbosity=1, attachments=None, since=None, dry_run=False, old_domains=()):
        self.db, self.stdout, self.style = db, stdout, style
        # Hosts of the old site: absolute links to them in old bodies are rewritten like relative ones.
        self.old_domains = tuple(old_domains)
        self.unlinked = set()  # old ids of articles whose bodies link to articles not imported yet
        self.counted = []  # articles whose counts alone were brought up to date
        self.verbosity, self.attachments, self.since, self.dry_run = verbosity, attachments, since, dry_run
        self.counts = Counter()
        self.timings = {}

    def run(self, report):
        """Import everything, writing failed and fixed rows to ``report`` (a path)."""
        dry_run = self.dry_run
        self.member_ids = {}
        self.category_ids = {}
        self.source_ids = {}
        self.category_allows = {}
        self._fallback_category = None
        try:
            with report.open("w", newline="", encoding="utf-8") as handle, translation.override(settings.LANGUAGE_CODE):
                self.report = csv.writer(handle, delimiter="\t")
                self.report.writerow(["table", "old id", "outcome", "reason"])
                # Each row commits on its own (a stopped run resumes); a dry run is one rolled-back transaction.
                with transaction.atomic() if dry_run else contextlib.nullcontext():
                    for table, step in (
                        ("category", self.import_categories),
                        ("member", self.import_members),
                        ("article", self.import_articles),
                        ("comment", self.import_comments),
                    ):
                        started = time.perf_counter()
                        step()
                        self.timings[table] = time.perf_counter() - started
                    self.relink_articles()
                    self.recount_comments()
                    if dry_run:
                        transaction.set_rollback(True)
        except discuz.DatabaseError as exc:
            raise ImportStopped(
                f"Lost the Discuz database {self.db.where} mid-run ({exc.args[-1]}). "
                "What was imported is kept: run the same command again to resume."
            ) from exc
        finally:
            self.db.close()
        if not dry_run:
            # Articles whose counts moved by .update(): the article service tells every cache (the
            # saved ones told them on save); categories, members and bans show on cached pages too.
            article_services.changed(self.counted)
            pagecache.bump()
        if self.verbosity:
            self.summary(report)

    # --- bookkeeping -------------------------------------------------------------------
    def note(self, table, old_id, outcome, reason=""):
        """Count an outcome (imported, updated, unchanged, fixed, failed); list the notable ones."""
        self.counts[(table, outcome)] += 1
        if outcome in {"failed", "fixed", "skipped"}:
            self.report.writerow([table, old_id, outcome, reason])
            self.counts[(table, outcome, reason.split(":")[0])] += 1

    def progress(self, total, label):
        return tqdm(total=total, desc=label, file=self.stdout._out, ascii=True, disable=self.verbosity < 1)

    def legacy(self, kind, old_ids):
        """{old id: LegacyId} for the ids already imported."""
        rows = LegacyId.objects.filter(kind=kind, old_id__in=[str(i) for i in old_ids])
        return {row.old_id: row for row in rows}

    def remember(self, kind, old_id, new_id, digest, known=None):
        if known is None:
            LegacyId.objects.create(kind=kind, old_id=str(old_id), new_id=str(new_id), fingerprint=digest)
        else:
            known.new_id, known.fingerprint = str(new_id), digest
            known.save(update_fields=["new_id", "fingerprint", "imported_at"])

    def summary(self, report):
        tables = ["category", "member", "article", "comment", "image"]
        outcomes = ["imported", "updated", "unchanged", "fixed", "skipped", "failed"]
        self.stdout.write("")
        self.stdout.write(f"{'':10}" + "".join(f"{o:>11}" for o in outcomes) + f"{'seconds':>10}")
        for table in tables:
            seconds = f"{self.timings[table]:>10.1f}" if table in self.timings else ""
            self.stdout.write(f"{table:10}" + "".join(f"{self.counts[(table, o)]:>11,}" for o in outcomes) + seconds)
        reasons = sorted((k, n) for k, n in self.counts.items() if len(k) == 3)
        for (table, outcome, reason), n in reasons:
            self.stdout.write(f"  {table} {outcome}: {reason} ×{n}")
        failed = sum(self.counts[(t, "failed")] for t in tables)
        message = f"Report of failed and fixed rows: {report}"
        self.stdout.write(self.style.WARNING(message) if failed else message)
        if self.dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS("Import finished."))

    # --- categories --------------------------------------------------------------------
    def import_categories(self):
        rows = self.db.query("SELECT * FROM {p}portal_category ORDER BY catid")  # a few hundred at most
        by_id = {row["catid"]: row for row in rows}
        known = self.legacy(Kind.CATEGORY, by_id)
        progress = self.progress(len(rows), "categories")

        def depth(row):
            seen = set()
            while row["upid"] and row["upid"] in by_id and row["catid"] not in seen:
                seen.add(row["catid"])
                row = by_id[row["upid"]]
            return len(seen)

        for row in sorted(rows, key=lambda r: (depth(r), r["catid"])):
            try:
                with transaction.atomic():
                    self._category(row, by_id, known.get(str(row["catid"])))
            except Exception as exc:  # one bad row never stops the run
                self.note("category", row["catid"], "failed", f"{type(exc).__name__}: {exc}")
            progress.update()
        progress.close()

    def _category(self, row, by_id, known):
        catid = row["catid"]
        allow = bool(row.get("allowcomment", 1))
        digest = discuz.fingerprint(
            row["catname"], row["upid"], row["displayorder"], allow, row.get("closed"), row.get("shownav")
        )
        # Comments closed for a category close them on its articles (ours has no such switch).
        self.category_allows[catid] = allow
        if known and known.fingerprint == digest:
            self.category_ids[catid] = int(known.new_id)
            self.note("category", catid, "unchanged")
            return
        category = Category.objects.filter(pk=int(known.new_id)).first() if known else None
        if category is None:
            # A category the editors already made under the same name is the same section.
            category = Category.objects.filter(name=discuz.plain(row["catname"])[:50]).first() or Category()
        category.name = discuz.plain(row["catname"])[:50] or f"#{catid}"
        category.order = max(0, min(int(row["displayorder"] or 0), 32767))
        category.in_nav = bool(row.get("shownav", 1)) and not row.get("closed")
        category.description = discuz.plain(row.get("description"))[:200]
        # Our tree is two levels: deeper categories hang under their top-level ancestor.
        parent_id, upid, hops = None, row["upid"], 0
        while upid and upid in by_id and hops < 10:
            parent_id, upid, hops = upid, by_id[upid]["upid"], hops + 1
        if parent_id and parent_id not in self.category_ids:
            parent_id = None
        category.parent_id = self.category_ids.get(parent_id) if parent_id else None
        if row["upid"] and row["upid"] not in by_id:
            self.note("category", catid, "fixed", f"unknown parent: {row['upid']}, made top-level")
        elif hops > 1:
            self.note("category", catid, "fixed", "deeper than two levels: moved under its top-level category")
        if not category.pk:
            base = slugify(row.get("foldername") or "", allow_unicode=True)[:50] or f"c{catid}"
            slug = base
            if Category.objects.filter(slug=slug).exists():
                slug = f"{base}-{catid}"
            category.slug = slug
        category.save()
        self.category_ids[catid] = category.pk
        self.remember(Kind.CATEGORY, catid, category.pk, digest, known)
        self.note("category", catid, "updated" if known else "imported")

    def fallback_category(self):
        """未分类: the home of articles whose old category is gone."""
        if self._fallback_category is None:
            self._fallback_category, _created = Category.objects.get_or_create(
                slug="uncategorized", defaults={"name": _("Uncategorised"), "in_nav": False, "order": 32767}
            )
        return self._fallback_category

    # --- members -----------------------------------------------------------------------
    def member_uids(self):
        """Members who published, commented, are banned now (小黑屋) or were imported before, in uid order.

        Ids only: small even for a big site.
        """
        uids = {row["uid"] for row in self.db.query("SELECT DISTINCT uid FROM {p}portal_article_title WHERE uid > 0")}
        uids.update(
            row["uid"]
            for row in self.db.query("SELECT DISTINCT uid FROM {p}portal_comment WHERE uid > 0 AND idtype = 'aid'")
        )
        uids.update(
            row["uid"]
            for row in self.db.query(
                "SELECT uid FROM {p}common_member WHERE groupid IN (4, 5) AND (groupexpiry = 0 OR groupexpiry > %s)",
                (int(timezone.now().timestamp()),),
            )
        )
        # And everyone imported before (a ban lifted since then is lifted here too).
        uids.update(int(i) for i in LegacyId.objects.filter(kind=Kind.MEMBER).values_list("old_id", flat=True))
        return sorted(uids)

    def import_members(self):
        uids = self.member_uids()
        progress = self.progress(len(uids), "members")
        crime = self.db.has("common_member_crime")
        ucenter = self.db.has("ucenter_members")
        if not ucenter:
            self.note("member", "-", "skipped", "no ucenter_members table: members must reset their passwords")
        for start in range(0, len(uids), BATCH):
            chunk = uids[start : start + BATCH]
            rows = self._member_rows("common_member", chunk, ucenter)
            found = {row["uid"] for row in rows}
            if self.db.has("common_member_archive") and len(found) < len(chunk):
                rows += self._member_rows("common_member_archive", [u for u in chunk if u not in found], ucenter)
            bans = self._ban_reasons(chunk) if crime else {}
            known = self.legacy(Kind.MEMBER, chunk)
            for row in rows:
                try:
                    with transaction.atomic():
                        user_id = self._member(row, known.get(str(row["uid"])), bans.get(row["uid"]))
                    self.member_ids[row["uid"]] = user_id
                except Exception as exc:
                    self.note("member", row["uid"], "failed", f"{type(exc).__name__}: {exc}")
            progress.update(len(chunk))
            reset_queries()  # DEBUG keeps every SQL string, bulk inserts included: not for big runs
        progress.close()

    def _member_rows(self, table, uids, ucenter):
        marks = ", ".join(["%s"] * len(uids))
        join = "LEFT JOIN {p}ucenter_members u ON u.uid = m.uid" if ucenter else ""
        columns = "u.password AS uc_password, u.salt AS uc_salt" if ucenter else "'' AS uc_password, '' AS uc_salt"
        return list(
            self.db.query(
                f"SELECT m.uid, m.username, m.email, m.status, m.groupid, m.groupexpiry, m.regdate, {columns} "  # noqa: S608 - fixed SQL; values are parameters
                f"FROM {{p}}{table} m {join} WHERE m.uid IN ({marks})",
                uids,
            )
        )

    def _ban_reasons(self, uids):
        marks = ", ".join(["%s"] * len(uids))
        rows = self.db.query(
            f"SELECT uid, reason, dateline FROM {{p}}common_member_crime WHERE action IN (4, 5) AND uid IN ({marks}) "  # noqa: S608 - fixed SQL; values are parameters
            "ORDER BY dateline",
            uids,
        )
        return {row["uid"]: row for row in rows}  # the latest wins

    def _member(self, row, known, crime):
        uid = row["uid"]
        user_model = get_user_model()
        encoded = discuz.password_hash(row["uc_password"], row["uc_salt"])
        banned = row["groupid"] in BANNED_GROUPS
        expiry = discuz.timestamp(row["groupexpiry"]) if row["groupexpiry"] else None
        digest = discuz.fingerprint(row["username"], row["email"], row["status"], row["groupid"], expiry, encoded)
        if known and known.fingerprint == digest:
            self.note("member", uid, "unchanged")
            return int(known.new_id)
        user = user_model.objects.filter(pk=int(known.new_id)).first() if known else None
        if user is None:
            username = (row["username"] or "").strip() or f"discuz{uid}"
            if user_model.objects.filter(username__iexact=username).exists():
                renamed = f"{username}_{uid}"
                self.note("member", uid, "fixed", f"username taken (case-insensitively): {username} → {renamed}")
                username = renamed
            user = user_model(username=username[:150])
        user.email = (row["email"] or "").strip()[:254]
        user.is_active = int(row["status"] or 0) != -1
        joined = discuz.timestamp(row["regdate"])
        if joined is None:
            self.note("member", uid, "fixed", "invalid registration date: set to the import time")
        user.date_joined = joined or user.date_joined or timezone.now()
        # A member who already logged in here has an Argon2 password: never put the old one back.
        if not user.pk or user.password.startswith("discuz_") or not user.has_usable_password():
            if encoded is None:
                self.note("member", uid, "fixed", "no usable old password: must reset it")
            user.password = encoded or make_password(None)
        user.save()
        if banned and (expiry is None or expiry > timezone.now()):
            reason = ((crime or {}).get("reason") or "").strip()[:200] or _("Banned on the old site")
            if not Ban.objects.active().filter(user=user).exists():
                Ban.objects.create(
                    user=user,
                    reason=reason,
                    created_at=discuz.timestamp((crime or {}).get("dateline")) or timezone.now(),
                    expires_at=expiry,
                )
        elif known:
            # Unbanned on the old site since the last run: lift the ban that run brought over
            # (those have no moderator; bans our moderators gave stay).
            Ban.objects.active().filter(user=user, created_by__isnull=True).update(lifted_at=timezone.now())
        self.remember(Kind.MEMBER, uid, user.pk, digest, known)
        self.note("member", uid, "updated" if known else "imported")
        return user.pk

    def user_for(self, uid, username, table, old_id):
        """The imported member, or a stand-in account for a member missing from the old tables."""
        if uid in self.member_ids:
            return self.member_ids[uid]
        # Stand-ins are looked up, not cached: the row that made one may still be rolled back.
        known = LegacyId.new_for(Kind.MEMBER, uid) if uid else None
        if known:
            return known
        user_model = get_user_model()
        if not uid:
            guest, _created = user_model.objects.get_or_create(
                username="discuz_guest",
                defaults={"nickname": _("Guest"), "is_active": False, "password": make_password(None)},
            )
            return guest.pk
        name = (username or "").strip() or f"discuz{uid}"
        if user_model.objects.filter(username__iexact=name).exists():
            name = f"{name}_{uid}"
        user = user_model.objects.create(username=name[:150], password=make_password(None))
        LegacyId.objects.create(kind=Kind.MEMBER, old_id=str(uid), new_id=str(user.pk))
        self.note("member", uid, "fixed", f"member missing from the old tables: stand-in {name} without a password")
        self.note(table, old_id, "fixed", f"member missing: {uid}, stand-in account {name}")
        return user.pk

    # --- articles ----------------------------------------------------------------------
    def import_articles(self):
        has_count = self.db.has("portal_article_count")
        self.reaction_ids = self._reactions()
        total = self.db.scalar("SELECT COUNT(*) FROM {p}portal_article_title")
        progress = self.progress(total, "articles")
        counts = "c.viewnum" if has_count else "0 AS viewnum"
        join = "LEFT JOIN {p}portal_article_count c ON c.aid = t.aid" if has_count else ""
        sql = f"SELECT t.*, {counts} FROM {{p}}portal_article_title t {join} WHERE 1 = 1"  # noqa: S608 - fixed SQL; values are parameters
        for rows in self.db.batches(sql, "t.aid", size=BATCH):
            aids = [row["aid"] for row in rows]
            known = self.legacy(Kind.ARTICLE, aids)
            edited = self._edited_since(aids) if self.since else set()
            for row in rows:
                try:
                    with transaction.atomic():
                        self._article(row, known.get(str(row["aid"])), row["aid"] in edited)
                except images.StorageUnavailable as exc:
                    raise ImportStopped(f"Storage failed while importing article {row['aid']}: {exc}") from exc
                except Exception as exc:
                    # What this row added to the caches was rolled back with it.
                    self.source_ids.clear()
                    self._fallback_category = None
                    self.note("article", row["aid"], "failed", f"{type(exc).__name__}: {exc}")
            progress.update(len(rows))
            reset_queries()
        progress.close()

    def _reactions(self):
        """Position (1..8) → our reaction id, by name; old reactions we lack are added, hidden."""
        by_position = {}
        for position, name in enumerate(self.db.click_names(), start=1):
            name = (name or "").strip()[:10]
            if not name:
                continue
            reaction = Reaction.objects.filter(name=name).first()
            if reaction is None:
                reaction = Reaction.objects.create(name=name, icon="👍", order=100 + position, is_active=False)
                self.note("article", "-", "fixed", f"old reaction added to ours, hidden: {name}")
            by_position[position] = reaction.pk
        return by_position

    def _edited_since(self, aids):
        marks = ", ".join(["%s"] * len(aids))
        rows = self.db.query(
            f"SELECT DISTINCT aid FROM {{p}}portal_article_content WHERE aid IN ({marks}) AND dateline >= %s",  # noqa: S608 - fixed SQL; values are parameters
            (*aids, self.since),
        )
        return {row["aid"] for row in rows}

    def _article(self, row, known, edited):
        aid = row["aid"]
        clicks = [int(row.get(f"click{i}") or 0) for i in range(1, 9)]
        columns = ("catid", "uid", "title", "author", "from", "fromurl", "url", "summary", "pic", "remote")
        content = discuz.fingerprint(
            *(row.get(c) for c in columns), row.get("dateline"), row.get("status"), row.get("allowcomment")
        )[:32]
        digest = content + discuz.fingerprint(row.get("viewnum"), clicks)[:32]
        fresh = edited or (self.since and row["dateline"] >= self.since)
        if known and known.fingerprint == digest and not fresh:
            self.note("article", aid, "unchanged")
            return
        if known and known.fingerprint[:32] == content and not fresh:
            # Only the counts moved (views go on until switch-over): no need to rebuild the body.
            article_id = int(known.new_id)
            Article.objects.filter(pk=article_id).update(view_count=int(row.get("viewnum") or 0))
            self._reaction_votes(Article(pk=article_id), clicks)
            self.counted.append(article_id)
            self.remember(Kind.ARTICLE, aid, article_id, digest, known)
            self.note("article", aid, "updated")
            return
        article = Article.objects.filter(pk=int(known.new_id)).first() if known else None
        article = article or Article()
        title = discuz.plain(row["title"])
        if not title:
            title = _("Untitled")
            self.note("article", aid, "fixed", "empty title")
        article.title = title[:200]
        article.author_id = self.user_for(row["uid"], row["username"], "article", aid)
        category_id = self.category_ids.get(row["catid"])
        if category_id is None:
            category_id = self.fallback_category().pk
            self.note("article", aid, "fixed", f"unknown category: {row['catid']}, put in {self.fallback_category()}")
        article.category_id = category_id
        article.source_id = self._source(row.get("from"), row.get("fromurl"))
        source_url = (row.get("fromurl") or "").strip()
        article.source_url = (
            source_url if source_url.startswith(("http://", "https://")) and len(source_url) <= 500 else ""
        )
        article.byline = discuz.plain(row.get("author"))[:100]  # 原作者
        article.summary = discuz.plain(row["summary"])[:500]
        published = discuz.timestamp(row["dateline"])
        pages = self.db.query(
            "SELECT title, content, dateline FROM {p}portal_article_content WHERE aid = %s ORDER BY pageorder, cid",
            (aid,),
        )
        if published is None:
            published = next((discuz.timestamp(p["dateline"]) for p in pages if discuz.timestamp(p["dateline"])), None)
            self.note(
                "article",
                aid,
                "fixed",
                "invalid publication date: " + ("page date used" if published else "set to now"),
            )
        article.published_at = published or article.published_at or timezone.now()
        article.status = ARTICLE_STATUS.get(row["status"], Article.Status.DRAFT)
        article.allow_comments = bool(row["allowcomment"]) and self.category_allows.get(row["catid"], True)
        body = discuz.join_pages(pages)
        if (row.get("url") or "").startswith(("http://", "https://")):
            link = html.escape(row["url"], quote=True)
            body += f'<p><a href="{link}">{link}</a></p>'
        article.body = discuz.rewrite_links(
            body,
            image=lambda path: self._body_image(path, aid),
            attachment=lambda kind, value: self._attachment(kind, value, aid),
            article=lambda target: self._article_url(target, aid),
            old_domains=self.old_domains,
        )
        if not pages:
            self.note("article", aid, "fixed", "no content pages: empty body")
        if row.get("pic"):
            self._cover(article, row, aid)
        article.view_count = int(row.get("viewnum") or 0)
        article.save()
        self._reaction_votes(article, clicks, new=not known)
        self.remember(Kind.ARTICLE, aid, article.pk, digest, known)
        self.note("article", aid, "updated" if known else "imported")

    def _article_url(self, target, aid):
        """The new address of old article ``target`` linked from article ``aid``, once imported."""
        url = self._linked_url(target)
        if url is None:
            self.unlinked.add(aid)  # linked before it was imported: relink_articles() comes back
        return url

    def relink_articles(self):
        """Point links to old articles imported after the article that links them at their new pages."""
        for aid in sorted(self.unlinked):
            new_id = LegacyId.new_for(Kind.ARTICLE, aid)
            article = Article.objects.filter(pk=new_id).first() if new_id else None
            if article is None:
                continue
            body = discuz.rewrite_links(
                article.body,
                image=lambda path: None,
                attachment=lambda kind, value: None,
                article=self._linked_url,
                old_domains=self.old_domains,
            )
            if body != article.body:
                article.body = body
                article.save(update_fields=["body"])

    @staticmethod
    def _linked_url(target):
        new_id = LegacyId.new_for(Kind.ARTICLE, target)
        return object_url("news:article-detail", new_id) if new_id else None

    def _attachment(self, kind, value, aid):
        """The URL of a file an old article links to (imported once), or None (reported)."""
        if kind == "attachment":
            row = self.db.attachments_by_id([value]).get(value)
            if row is None:
                self.note("attachment", value, "failed", f"no such attachment: article {aid}")
                return None
            if row["remote"]:
                self.note("attachment", value, "failed", f"on remote (FTP) storage: article {aid}")
                return None
            path = "portal/" + (row["attachment"] or "").lstrip("/")
            if row["isimage"]:
                return self._body_image(path, aid)
            old_id, filename = str(value), row["filename"] or path
        else:
            path, old_id, filename = value, value[:255], value
        known = LegacyId.new_for(Kind.ATTACHMENT, old_id)
        item = Attachment.objects.filter(pk=known).first() if known else None
        if item is not None:
            return item.get_absolute_url()
        found = self._file(path)
        if found is None:
            where = "no --attachments folder given" if self.attachments is None else "missing file"
            self.note("attachment", old_id, "failed", f"{where}: article {aid}")
            return None
        name = files.download_name(filename)
        try:
            content_type = files.check(found, name)
        except files.Refused as exc:
            self.note("attachment", old_id, "failed", f"{exc}: article {aid}")
            return None
        if self.dry_run:
            return f"#attachment-{old_id}"
        item = Attachment(filename=name, content_type=content_type, size=found.stat().st_size)
        with found.open("rb") as handle:
            item.file.save(files.storage_name(old_id if old_id.isdigit() else aid, name), File(handle), save=False)
        item.save()
        LegacyId.objects.update_or_create(kind=Kind.ATTACHMENT, old_id=old_id, defaults={"new_id": str(item.pk)})
        self.note("attachment", old_id, "imported")
        return item.get_absolute_url()

    def _source(self, name, url):
        name = discuz.plain(name)[:100]
        if not name:
            return None
        if name not in self.source_ids:
            url = (url or "").strip()
            url = url if url.startswith(("http://", "https://")) and len(url) <= 200 else ""
            source, _created = Source.objects.get_or_create(name=name, defaults={"url": url})
            if len(self.source_ids) > 10_000:  # bounded: a cache, not a copy of the table
                self.source_ids.clear()
            self.source_ids[name] = source.pk
        return self.source_ids[name]

    def _file(self, path):
        """The old file for an attachment path (the folder may be data/attachment or its portal/)."""
        if self.attachments is None:
            return None
        for candidate in (self.attachments / path, self.attachments / path.removeprefix("portal/")):
            if candidate.is_file() and self.attachments.resolve() in candidate.resolve().parents:
                return candidate
        return None

    def _image(self, path, aid, store):
        """The storage name of an old image, copied once through the image pipeline; None if missing."""
        known = LegacyId.objects.filter(kind=Kind.IMAGE, old_id=path[:255]).first()
        if known and default_storage.exists(known.new_id):
            return known.new_id
        found = self._file(path)
        if found is None:
            where = "no --attachments folder given" if self.attachments is None else "missing file"
            self.note("image", path, "failed", f"{where}: article {aid}")
            return None
        if self.dry_run:
            return path
        try:
            with found.open("rb") as handle:
                name = store(File(handle, name=found.name))
        except images.StorageUnavailable:
            raise
        except ValidationError as exc:
            self.note("image", path, "failed", f"not a usable image: article {aid}, {exc.messages[0]}")
            return None
        LegacyId.objects.update_or_create(kind=Kind.IMAGE, old_id=path[:255], defaults={"new_id": name})
        self.note("image", path, "imported")
        return name

    def _body_image(self, path, aid):
        name = self._image(path, aid, lambda upload: store_body_image(upload)[0])
        return default_storage.url(name) if name else None

    def _cover(self, article, row, aid):
        if row.get("remote"):
            self.note("image", row["pic"], "failed", f"cover on remote (FTP) storage: article {aid}")
            return

        def store(upload):
            cleaned = images.clean_image(upload)
            moment = discuz.timestamp(row["dateline"]) or timezone.now()
            stem = Path(upload.name).stem[:40] or "cover"
            name = f"covers/{moment:%Y/%m}/{stem}{images.EXTENSIONS[cleaned.format]}"
            return images.store_with_renditions(name, cleaned.content, cleaned.width)

        name = self._image(row["pic"].lstrip("/"), aid, store)
        if name and not self.dry_run and name != article.cover.name:
            article.cover_width = article.cover_height = None
            article.cover = name

    def _reaction_votes(self, article, clicks, new=False):
        """The old counts as vote rows, so our recount from votes keeps them (news.viewcounts.reactions)."""
        if not new:
            ReactionVote.objects.filter(article=article, visitor__startswith=LEGACY_VOTE).delete()
        votes = []
        for position, count in enumerate(clicks, start=1):
            reaction_id = self.reaction_ids.get(position)
            if reaction_id is None:
                continue
            votes.extend(
                ReactionVote(article=article, reaction_id=reaction_id, visitor=f"{LEGACY_VOTE}{position}:{n}")
                for n in range(count)
            )
        if not votes and new:
            return
        ReactionVote.objects.bulk_create(votes, batch_size=2000)
        if new:  # no other votes yet: the counts are the old ones
            counts = Counter(str(vote.reaction_id) for vote in votes)
            Article.objects.filter(pk=article.pk).update(reaction_counts=dict(counts), reaction_count=len(votes))
        else:
            reactions.recount(article)

    # --- comments ----------------------------------------------------------------------
    def import_comments(self):
        where = "WHERE idtype = 'aid'" + (" AND dateline >= %s" if self.since else "")
        params = (self.since,) if self.since else ()
        total = self.db.scalar(f"SELECT COUNT(*) FROM {{p}}portal_comment {where}", params)  # noqa: S608 - fixed SQL; values are parameters
        skipped = self.db.scalar("SELECT COUNT(*) FROM {p}portal_comment WHERE idtype <> 'aid'")
        if skipped:
            self.counts[("comment", "skipped")] += skipped
            self.counts[("comment", "skipped", "comments on topics (not imported)")] += skipped
        progress = self.progress(total, "comments")
        for rows in self.db.batches(f"SELECT * FROM {{p}}portal_comment {where}", "cid", params, COMMENT_BATCH):  # noqa: S608 - fixed SQL; values are parameters
            try:
                with transaction.atomic():
                    self._comments(rows)
            except Exception:  # a row the batch could not take: redo one by one to find it
                for row in rows:
                    try:
                        with transaction.atomic():
                            self._comments([row])
                    except Exception as exc:
                        self.note("comment", row["cid"], "failed", f"{type(exc).__name__}: {exc}")
            progress.update(len(rows))
            reset_queries()
        progress.close()

    def _comments(self, rows):
        articles = {
            int(old): int(new)
            for old, new in LegacyId.objects.filter(
                kind=Kind.ARTICLE, old_id__in=[str(r["id"]) for r in rows]
            ).values_list("old_id", "new_id")
        }
        known = self.legacy(Kind.COMMENT, [r["cid"] for r in rows])
        created, changed, notes = [], [], []
        for row in rows:
            cid = row["cid"]
            article_id = articles.get(row["id"])
            if article_id is None:
                notes.append((cid, "failed", f"article not imported: {row['id']}"))
                continue
            text = discuz.comment_text(row["message"])
            status = COMMENT_STATUS.get(row["status"], Comment.Status.PENDING)
            moment = discuz.timestamp(row["dateline"])
            digest = discuz.fingerprint(row["uid"], row["id"], row["dateline"], row["status"], row["message"])
            previous = known.get(str(cid))
            if previous and previous.fingerprint == digest:
                notes.append((cid, "unchanged", ""))
                continue
            if not text:
                notes.append((cid, "failed", "empty text"))
                continue
            if moment is None:
                notes.append((cid, "fixed", "invalid date: set to the article's"))
                moment = Article.objects.values_list("published_at", flat=True).get(pk=article_id)
            comment = Comment(
                pk=int(previous.new_id) if previous else None,
                article_id=article_id,
                user_id=self.user_for(row["uid"], row["username"], "comment", cid),
                body=text,
                status=status,
                ip_address=_ip(row.get("postip")),
                created_at=moment,
            )
            (changed if previous else created).append((cid, comment, digest, previous, moment))
        if created:
            with old_times(Comment, "created_at"):
                made = Comment.objects.bulk_create([c for _cid, c, *_rest in created])
            LegacyId.objects.bulk_create(
                LegacyId(kind=Kind.COMMENT, old_id=str(cid), new_id=str(saved.pk), fingerprint=digest)
                for (cid, _c, digest, *_rest), saved in zip(created, made, strict=True)
            )
        if changed:
            Comment.objects.bulk_update(
                [c for _cid, c, *_rest in changed], ["article", "user", "body", "status", "ip_address", "created_at"]
            )
            for _cid, _c, digest, previous, _m in changed:
                previous.fingerprint = digest
            LegacyId.objects.bulk_update([p for _cid, _c, _d, p, _m in changed], ["fingerprint"])
        # Notes last: a batch that fails and is redone row by row must not count twice.
        for cid, outcome, reason in notes:
            self.note("comment", cid, outcome, reason)
        for cid, *_rest in created:
            self.note("comment", cid, "imported")
        for cid, *_rest in changed:
            self.note("comment", cid, "updated")

    def recount_comments(self):
        """评论: the number of approved comments, recounted for every article."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE news_article SET comment_count = (SELECT count(*) FROM news_comment "
                "WHERE news_comment.article_id = news_article.id AND news_comment.status = %s)",
                [Comment.Status.APPROVED],
            )


@contextlib.contextmanager
def old_times(model, name):
    """Let ``bulk_create`` keep the old times an ``auto_now_add`` field would replace with now.

    (Setting them afterwards with ``bulk_update`` costs a CASE of thousands of branches per batch.)
    """
    field = model._meta.get_field(name)
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def _ip(value):
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None
