"""Demo content: the seed article from the old portal plus generated local news.

Everything is keyed by a natural key (slug, name, username, title), so loading twice
changes nothing. The generator is seeded, so every machine gets the same articles.
"""

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import EDITOR, MODERATOR, REPORTER
from news.articles.factories import make_cover
from news.articles.models import Article, Category, GalleryPicture, Source, Topic, TopicSection

SEED_FILE = Path(__file__).with_name("seed_article.json")

DEMO_PASSWORD = "yzgz-demo-2021"  # noqa: S105  (printed for the newcomer; demo only)
DEMO_USERS = [
    # username, nickname, role
    ("editor", "值班编辑", EDITOR),
    ("moderator", "评论审核", MODERATOR),
    ("yzgz006", "", REPORTER),
    ("yzgz001", "", REPORTER),
    ("yzgz012", "", REPORTER),
]

CATEGORIES = [
    # slug, name, parent slug, description
    ("latest", "最新资讯", None, "禹州本地最新消息"),
    ("politics", "时政要闻", None, "市委市政府重要会议与工作部署"),
    ("livelihood", "民生服务", None, "教育、医疗、交通、社保等民生事"),
    ("towns", "乡镇动态", None, "各乡镇街道的新鲜事"),
    ("shenhou", "神垕镇", "towns", "钧瓷古镇神垕"),
    ("xiadu", "夏都街道", "towns", "夏都街道社区动态"),
    ("culture", "文化旅游", None, "钧瓷、非遗、景区与活动"),
    ("notices", "便民信息", None, "停水停电、道路施工、办事指南"),
]

SOURCES = [
    ("融媒顺店工作站", ""),
    ("禹州市融媒体中心", ""),
    ("禹州市交通运输局", ""),
    ("神垕镇人民政府", ""),
    ("禹州市文化广电和旅游局", ""),
    ("夏都街道办事处", ""),
    ("禹州市人民政府", "https://www.yuzhou.gov.cn/"),
]

PLACES = [
    "夏都街道",
    "钧台街道",
    "韩城街道",
    "颍川街道",
    "神垕镇",
    "鸿畅镇",
    "方山镇",
    "花石镇",
    "顺店镇",
    "古城镇",
    "梁北镇",
]
TITLES = {
    "latest": [
        "{place}开展冬季消防安全大检查",
        "{place}举办“我为群众办实事”志愿服务活动",
        "禹州市{n}名新兵光荣入伍 {place}举行欢送仪式",
        "{place}推进人居环境整治 打造美丽庭院{n}户",
        "{place}召开{year}年度民主生活会",
    ],
    "politics": [
        "禹州市委常委会研究部署{place}重点项目建设",
        "市政府召开第{n}次常务会议",
        "禹州市人大常委会视察{place}民生实事进展",
        "{place}召开经济运行分析会 前三季度主要指标稳中有进",
    ],
    "livelihood": [
        "{place}为辖区{n}位老人免费体检",
        "禹州市新增{n}个公共充电站 覆盖{place}",
        "{place}背街小巷改造完工 居民出行更方便",
        "禹州市{n}所学校开设课后延时服务",
        "{place}新建便民服务中心投入使用",
    ],
    "shenhou": [
        "神垕镇第{n}届钧瓷文化节开幕",
        "神垕古镇老街修缮工程完工",
        "神垕镇{n}家钧瓷窑口入选省级非遗工坊",
    ],
    "xiadu": [
        "夏都街道{n}个社区开展垃圾分类宣传",
        "夏都街道“一有七中心”服务居民{n}余次",
    ],
    "culture": [
        "大禹文化广场举办{n}场惠民演出",
        "禹州钧瓷亮相第{n}届中国工艺美术博览会",
        "{place}非遗展演走进社区",
        "禹州市图书馆新增{n}册图书",
    ],
    "notices": [
        "关于{place}部分区域临时停水的通知",
        "{place}路段施工 {month}月{day}日起车辆绕行",
        "禹州市{year}年城乡居民医保缴费开始啦",
    ],
}
SENTENCES = [
    "{date}，{place}组织召开专题会议，对近期工作进行安排部署。",
    "活动现场，工作人员向群众发放宣传资料{n}余份，耐心解答群众咨询。",
    "据了解，{place}今年以来累计投入资金{n}万元，惠及群众{m}余户。",
    "“{place}的变化大家都看在眼里，日子越过越有奔头。”居民王先生说。",
    "下一步，{place}将继续坚持以人民为中心，把好事办好、实事办实。",
    "此次活动由{source}承办，共有{m}余名干部群众参加。",
    "相关负责人表示，将建立长效机制，持续巩固提升工作成效。",
    "据统计，截至目前已完成年度目标任务的{p}%。",
    "活动在热烈的掌声中圆满结束，现场气氛热烈。",
    "群众纷纷表示，这样的活动接地气、有温度，希望以后多多举办。",
]
TAGS = ["党建", "民生", "疫情防控", "钧瓷", "交通", "营商环境", "乡村振兴", "安全生产", "社区", "教育"]
GENERATED_ARTICLES = 66
# Residents with a verified mobile number (实名) may comment where the site requires it (make prod);
# yuzhou2021 has none, to show the verification step (its SMS codes are printed or logged).
DEMO_RESIDENTS = [
    ("zhangsan", "老张", "+8613800138001"),
    ("lixiaomei", "小美", "+8613800138002"),
    ("yuzhou2021", "钧瓷爱好者", None),
]
DEMO_COMMENTS = [
    ("zhangsan", "社区的变化大家都看在眼里，点赞！", None),
    ("lixiaomei", "阳光社区的调解室确实帮了我们楼不少忙。", None),
    ("yuzhou2021", "希望各个社区都能学习这样的经验。\n多办实事，少搞形式。", None),
    ("zhangsan", "说得对，关键是落到实处。", 2),
]
SENSITIVE_WORDS = [("赌博", "block"), ("代开发票", "block"), ("加微信", "hold"), ("傻瓜", "replace")]


def ensure_users(stdout=None):
    user_model = get_user_model()
    users = {}
    for username, nickname, role in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"nickname": nickname, "is_staff": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def ensure_categories():
    categories = {}
    for order, (slug, name, parent_slug, description) in enumerate(CATEGORIES):
        category, _created = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "parent": categories.get(parent_slug),
                "order": order * 10,
                "description": description,
            },
        )
        categories[slug] = category
    return categories


def ensure_sources():
    return {name: Source.objects.get_or_create(name=name, defaults={"url": url})[0] for name, url in SOURCES}


def _upsert_article(title, tags, **defaults):
    article, created = Article.objects.get_or_create(title=title, defaults=defaults)
    if created and tags:
        article.tags.add(*tags)
    return created


def load_seed(users, categories, sources):
    """The seed article of the old portal and its two neighbours in 最新资讯."""
    seed = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    created = _upsert_article(
        seed["title"],
        seed["tags"],
        body="".join(f"<p>{escape(p)}</p>" for p in seed["paragraphs"]),
        category=categories[seed["category"]],
        source=sources[seed["source"]],
        author=users[seed["publisher"]],
        status=Article.Status.PUBLISHED,
        published_at=datetime.fromisoformat(seed["published_at"]),
        view_count=seed["views"],
        is_featured=True,
    )
    for neighbour in (seed["previous"], seed["next"]):
        created += _upsert_article(
            neighbour["title"],
            neighbour["tags"],
            body=f"<p>{escape(neighbour['title'])}。</p><p>详细内容请关注禹州关注后续报道。</p>",
            category=categories[seed["category"]],
            source=sources[neighbour["source"]],
            author=users[seed["publisher"]],
            status=Article.Status.PUBLISHED,
            published_at=datetime.fromisoformat(neighbour["published_at"]),
            view_count=512,
        )
    return created


# Names for the generated articles' 署名 (记者, 通讯员, 摄影).
BYLINE_NAMES = ["王晓东", "李静", "张伟", "刘洋", "陈晨", "孙丽", "周强", "吴芳"]


def generated_articles(now):
    """The same list of (title, fields) on every run; dates spread over the last 60 days."""
    rng = random.Random(20211025)
    slugs = list(TITLES)
    source_names = [name for name, _url in SOURCES]
    reporters = ["yzgz006", "yzgz001", "yzgz012"]
    seen = set()
    articles = []
    attempt = 0
    while len(articles) < GENERATED_ARTICLES:
        attempt += 1
        slug = slugs[attempt % len(slugs)]
        values = {
            "place": rng.choice(PLACES),
            "n": rng.randint(2, 60),
            "m": rng.randint(30, 900),
            "p": rng.randint(60, 99),
            "year": rng.choice([2025, 2026]),
            "month": rng.randint(1, 12),
            "day": rng.randint(1, 28),
        }
        title = rng.choice(TITLES[slug]).format(**values)
        if title in seen:
            continue
        seen.add(title)
        index = len(articles)
        published_at = (now - timedelta(days=60) + timedelta(hours=index * 21 + rng.randint(0, 8))).replace(
            second=0, microsecond=0
        )
        source = rng.choice(source_names)
        values.update(source=source, date=f"{published_at.month}月{published_at.day}日")
        paragraphs = [
            "".join(s.format(**values) for s in rng.sample(SENTENCES, 3)) for _paragraph in range(rng.randint(3, 5))
        ]
        articles.append(
            (
                title,
                {
                    "category_slug": slug,
                    "source_name": source,
                    "author_name": reporters[index % len(reporters)],
                    "body": "".join(f"<p>{escape(p)}</p>" for p in paragraphs),
                    "published_at": published_at,
                    "view_count": rng.randint(20, 4000),
                    "is_featured": index % 13 == 5,
                    "tags": rng.sample(TAGS, rng.randint(1, 3)),
                    "cover_seed": index if index % 3 != 1 else None,
                    # 署名 on every other article (the seed article has none, as on the old page).
                    **(
                        {
                            "reporters": f"{BYLINE_NAMES[index % 5]} {BYLINE_NAMES[(index + 2) % 5]}",
                            "correspondents": BYLINE_NAMES[5 + index % 3] if index % 4 == 0 else "",
                            "photographers": BYLINE_NAMES[(index + 1) % 5] if index % 6 == 0 else "",
                            "responsible_editor": "赵敏",
                        }
                        if index % 2 == 0
                        else {}
                    ),
                },
            )
        )
    # A scheduled, a draft, a submitted and a withdrawn article show the workflow to staff.
    articles[-1][1].update(published_at=now + timedelta(days=1))
    articles[-2][1].update(status=Article.Status.DRAFT)
    articles[-3][1].update(status=Article.Status.REVIEW)
    articles[-4][1].update(status=Article.Status.WITHDRAWN, withdrawn_reason="信息有误，待核实后重发。")
    # From 1: the seed article (order 0) is the lead headline, as the README says.
    for order, (_title, fields) in enumerate((a for a in articles if a[1]["is_featured"]), start=1):
        fields["headline_order"] = order
    return articles


def load_generated(users, categories, sources, now, covers=True):
    created = 0
    for title, fields in generated_articles(now):
        if Article.objects.filter(title=title).exists():
            continue
        cover_seed = fields["cover_seed"]
        article = Article(
            title=title,
            category=categories[fields["category_slug"]],
            source=sources[fields["source_name"]],
            author=users[fields["author_name"]],
            body=fields["body"],
            status=fields.get("status", Article.Status.PUBLISHED),
            published_at=fields["published_at"],
            view_count=fields["view_count"],
            is_featured=fields["is_featured"],
            headline_order=fields.get("headline_order", 0),
            withdrawn_reason=fields.get("withdrawn_reason", ""),
            reporters=fields.get("reporters", ""),
            correspondents=fields.get("correspondents", ""),
            photographers=fields.get("photographers", ""),
            responsible_editor=fields.get("responsible_editor", ""),
        )
        if covers and cover_seed is not None:
            article.cover.save(f"demo-{cover_seed}.jpg", make_cover(seed=cover_seed), save=False)
        article.save()
        article.tags.add(*fields["tags"])
        created += 1
    return created


def load_comments(seed_title):
    """A few residents and comments on the seed article, and a starter sensitive-word list.

    Returns the residents by username (make run prints their logins)."""
    from news.comments.models import Comment, SensitiveWord
    from news.comments.services import _recount, forget_sensitive_words
    from news.engagement.services import notify_replies

    user_model = get_user_model()
    residents = {}
    for username, nickname, phone in DEMO_RESIDENTS:
        user, created = user_model.objects.get_or_create(username=username, defaults={"nickname": nickname})
        if created:
            user.set_password(DEMO_PASSWORD)
            if phone and not user_model.objects.filter(phone=phone).exists():
                user.phone, user.phone_verified_at = phone, timezone.now()
            user.save(update_fields=["password", "phone", "phone_verified_at"])
        residents[username] = user
    article = Article.objects.get(title=seed_title)
    made, new_replies = [], []
    for username, body, parent_index in DEMO_COMMENTS:
        parent = made[parent_index - 1] if parent_index else None
        comment, created = Comment.objects.get_or_create(
            article=article,
            user=residents[username],
            body=body,
            defaults={"parent": parent, "status": Comment.Status.APPROVED},
        )
        made.append(comment)
        if created and parent is not None:
            new_replies.append(comment.pk)
    _recount([article.pk])
    notify_replies(sender=Comment, comment_ids=new_replies)  # 小美's bell shows 老张's reply
    for word, action in SENSITIVE_WORDS:
        SensitiveWord.objects.get_or_create(word=word, defaults={"action": action})
    forget_sensitive_words()
    return residents


def load_daily_views(now):
    """Spread each public article's views over its days of the last month, for the rankings."""
    from news.viewcounts.models import ArticleDailyViews

    rng = random.Random(7)
    today = timezone.localdate(now)
    have = set(ArticleDailyViews.objects.values_list("article_id", flat=True).distinct())
    rows = []
    for article in Article.objects.published().exclude(pk__in=have).only("id", "view_count", "published_at"):
        first = max(timezone.localdate(article.published_at), today - timedelta(days=29))
        days = (today - first).days + 1
        if days <= 0 or not article.view_count:
            continue
        weights = [rng.random() / (1 + offset) for offset in range(days)]  # most views come early
        scale = article.view_count / sum(weights)
        for offset, weight in enumerate(weights):
            views = int(weight * scale)
            if views:
                rows.append(ArticleDailyViews(article=article, day=first + timedelta(days=offset), views=views))
    ArticleDailyViews.objects.bulk_create(rows, batch_size=500)


# 专题: (slug, title, status, introduction, cover seed, [(section, tag, hand-picked titles)]).
DEMO_TOPICS = [
    (
        "dangjian",
        "党建引领 基层治理",
        Topic.Status.ACTIVE,
        "各街道、乡镇以党建观摩促提升，把党建工作融入基层治理的每个环节。\n\n本专题汇集观摩活动和各地的做法。",
        101,
        [("观摩活动", None, "seed"), ("各地动态", "党建", None)],
    ),
    (
        "乡村振兴",
        "乡村振兴在禹州",
        Topic.Status.ACTIVE,
        "产业、人才、文化、生态、组织五个方面，看禹州乡村的变化。",
        102,
        [("乡村振兴", "乡村振兴", None), ("民生实事", "民生", None)],
    ),
    (
        "yingshang",
        "优化营商环境",
        Topic.Status.ARCHIVED,
        "2025 年优化营商环境系列报道。",
        None,
        [("报道", "营商环境", None)],
    ),
]


def load_topics(seed_title, users, covers=True):
    """Three 专题: two active (on the home page), one archived; the seed article hand-picked in one."""
    from taggit.models import Tag

    for slug, title, status, introduction, cover_seed, sections in DEMO_TOPICS:
        if Topic.objects.filter(slug=slug).exists():
            continue
        topic = Topic(slug=slug, title=title, status=status, introduction=introduction, created_by=users["editor"])
        if covers and cover_seed is not None:
            topic.cover.save(f"demo-topic-{cover_seed}.jpg", make_cover(seed=cover_seed), save=False)
        topic.save()
        for order, (section_title, tag_name, picked) in enumerate(sections):
            section = TopicSection.objects.create(
                topic=topic, title=section_title, order=order, tag=Tag.objects.filter(name=tag_name).first()
            )
            if picked == "seed":
                seed = Article.objects.get(title=seed_title)
                section.articles.add(seed, *Article.objects.published().filter(category=seed.category)[:3])


# 图集: one gallery article, its pictures each with a caption (图注).
DEMO_GALLERY = {
    "title": "图集｜神垕古镇钧瓷文化节：千年窑火又重燃",
    "category_slug": "culture",
    "source_name": "禹州市文化广电和旅游局",
    "author_name": "yzgz001",
    "photographers": "王磊、陈静",
    "responsible_editor": "值班编辑",
    "tags": ["钧瓷", "神垕"],
    "body": "<p>第十五届钧瓷文化节在神垕古镇开幕，来自各地的游客走进老街、窑口和作坊，"
    "看钧瓷从拉坯、施釉到出窑的全过程。</p>",
    "pictures": [
        (201, 1200, 800, "开幕式上，钧瓷艺人手捧新出窑的作品向游客展示。"),
        (202, 800, 1100, "老街上的作坊里，匠人正在拉坯，一件器物要经过七十二道工序。"),
        (203, 1200, 675, "入窑一色，出窑万彩：开窑时刻，游客围在窑口等待。"),
        (204, 1200, 800, "夜幕降临，古镇街巷亮起灯笼，游客在红石桥上拍照留念。"),
        (205, 1000, 1000, "文化节期间，古镇各展馆免费开放，并有钧瓷体验课。"),
    ],
}


def load_gallery(users, categories, sources, now, covers=True):
    """The demo 图集 (pictures only when ``covers``: it writes files)."""
    fields = DEMO_GALLERY
    if not covers or Article.objects.filter(title=fields["title"]).exists():
        return 0
    article = Article.objects.create(
        title=fields["title"],
        kind=Article.Kind.GALLERY,
        category=categories[fields["category_slug"]],
        source=sources[fields["source_name"]],
        author=users[fields["author_name"]],
        body=fields["body"],
        status=Article.Status.PUBLISHED,
        published_at=now - timedelta(hours=3),
        view_count=1860,
        photographers=fields["photographers"],
        responsible_editor=fields["responsible_editor"],
    )
    article.tags.add(*fields["tags"])
    for order, (seed, width, height, caption) in enumerate(fields["pictures"]):
        picture = GalleryPicture(article=article, caption=caption, order=order)
        picture.image.save(f"demo-gallery-{seed}.jpg", make_cover(seed=seed, width=width, height=height), save=False)
        picture.save()
    return 1


def load_demo(now=None, covers=True):
    """Load everything; returns (articles created, every demo login by username: staff, then
    residents). ``covers=False`` writes no files."""
    now = now or timezone.now()
    users = ensure_users()
    categories = ensure_categories()
    sources = ensure_sources()
    created = load_seed(users, categories, sources)
    created += load_generated(users, categories, sources, now, covers=covers)
    created += load_gallery(users, categories, sources, now, covers=covers)
    seed_title = json.loads(SEED_FILE.read_text(encoding="utf-8"))["title"]
    residents = load_comments(seed_title)
    load_topics(seed_title, users, covers=covers)
    load_daily_views(now)
    return created, {**users, **residents}
