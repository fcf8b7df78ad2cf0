"""No English in the newsroom (#20): the admin and the body editor walked in Chromium, every label read.

Each role logs in once and walks what it reaches from the admin home (编辑台): every list and add
form it links to, an existing object's form of each list; the superuser also walks the history
pages, the pages the actions ask on first (withdraw, pin, delete, merge tags, reject), the ban
form, the revisions and statistics, the password pages, a form with errors, searches and
filters, the date/time pop-ups, select2's messages, and the body editor's menus, tooltips,
dialogs and bubble menus. On each page the visible text (an open dialog's included), every
``title``, ``placeholder``, ``aria-label`` and ``alt``, the buttons' values and the ``<option>``
texts are read: a string with Latin letters and no Chinese character fails the test, unless it
is data (a user name, a slug, an address) or in the short allow-list below.

The glyphs too: the editor's toolbar is photographed at 1280 and 375 px, and Chromium says which
fonts it drew it with — the icon font for icons, Noto Sans CJK SC (the Linux member of the admin's
Chinese font stack) for Chinese.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import EDITOR, MODERATOR, REPORTER
from news.articles.factories import make_article, make_image_bytes, make_user
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.browser.test_comments_journey import FACTORY_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
ADDRESS = re.compile(r"(https?://|mailto:|/)\S*|[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Words Chinese staff read in Latin letters, taken out of a string before it is judged.
ALLOWED_WORDS = [
    "HTML",  # the editor's HTML dialog labels its field with the format's name, as Chinese software does
]
# Whole strings that are not words of ours.
ALLOWED_STRINGS = {
    # The language switcher names each language in itself (the public pages' header and footer).
    "English",
    # The numbered list's numbering styles, each shown as it will print (the editor's 列表属性).
    "1, 2, 3, ...",
    "a, b, c, ...",
    "A, B, C, ...",
    "i, ii, iii, ...",
    "I, II, III, ...",
}
ALLOWED_PATTERNS = [
    # The footer line the public pages (here: the password pages) copy from the old Discuz! portal,
    # in English there as here by design (yzgz.middleware; translate_zh.py keeps it as it is).
    re.compile(r"GMT\+8, .*, Processed in [\d.]+ second\(s\), \d+ queries\."),
    # A user's password as Django's read-only hash summary shows it: masked salt and hash.
    re.compile(r"\S*\*{4,}"),
]

COLLECT = """() => {
    const out = []
    const add = (text, element) => {
        text = (text || "").replace(/\\s+/g, " ").trim()
        const classes = (element.getAttribute("class") || "").split(" ").filter(Boolean)
        const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        if (text) out.push([text, name + classes.map((c) => "." + c).join("")])
    }
    const shown = (element) => element.checkVisibility({visibilityProperty: true})
    // A ligature icon's text ("format_bold" in the icon font) is the name of a glyph, not a word.
    const SKIP = "script, style, noscript, template, textarea, option, .material-icons, .ProseMirror[contenteditable]"
    add(document.title, document.documentElement)
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement
        if (parent && !parent.closest(SKIP) && shown(parent)) add(node.textContent, parent)
    }
    // Tooltips and the names screen readers read, of hidden elements too (a menu's hidden button
    // shows when the cursor is in a table; a hidden label is still read out).
    const NAMES = ["title", "placeholder", "aria-label", "alt", "data-placeholder"]
    for (const element of document.querySelectorAll(NAMES.map((name) => `[${name}]`).join(", "))) {
        if (element.closest("template, .ProseMirror[contenteditable] *")) continue
        for (const name of NAMES) add(element.getAttribute(name), element)
    }
    for (const button of document.querySelectorAll("input[type=submit], input[type=button], input[type=reset]")) {
        if (shown(button)) add(button.value, button)
    }
    for (const select of document.querySelectorAll("select")) {
        if (!shown(select) && !select.classList.contains("select2-hidden-accessible")) continue
        for (const option of select.options) add(option.textContent, select)
    }
    return out
}"""


def is_english(text, data):
    """Latin letters and no Chinese character, once addresses, data and allowed words are out."""
    if CHINESE.search(text) or text in ALLOWED_STRINGS or any(p.fullmatch(text) for p in ALLOWED_PATTERNS):
        return False
    rest = ADDRESS.sub(" ", text)
    for word in data:
        rest = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", " ", rest)
    return bool(LATIN.search(rest))


def data_words():
    """What staff or the system named in Latin letters: user names, slugs, the password hashers."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import get_hashers
    from taggit.models import Tag

    from news.articles.models import Category, Topic

    words = set(get_user_model().objects.values_list("username", flat=True))
    words |= set(Category.objects.values_list("slug", flat=True))
    words |= set(Topic.objects.values_list("slug", flat=True))
    words |= set(Tag.objects.values_list("slug", flat=True))
    words |= {hasher.algorithm for hasher in get_hashers()}  # "算法: pbkdf2_sha256" in a user's form
    return sorted(words, key=len, reverse=True) + ALLOWED_WORDS


class Walk:
    """One role's browser context: visit pages, read their strings, keep the English ones."""

    def __init__(self, browser, live_server, role, data, viewport=DESKTOP):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))
        self.url = live_server.url
        self.role = role
        self.data = data
        self.english = {}  # where -> [(string, element)]

    def goto(self, path):
        response = self.page.goto(self.url + path)
        assert response.status < 400, f"{path}: HTTP {response.status}"
        return self.page

    def read(self, where):
        for text, element in self.page.evaluate(COLLECT):
            if is_english(text, self.data):
                found = self.english.setdefault(f"{self.role} {where}", [])
                if (text, element) not in found:
                    found.append((text, element))

    def visit(self, path):
        self.goto(path)
        self.read(path)
        return self.page

    def log_in(self, user):
        page = self.visit("/admin/login/?next=/admin/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(FACTORY_PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_url("**/admin/")
        self.read("/admin/")


def assert_chinese(*walks):
    """Fail with every page and every English string the walks found (and any script error)."""
    errors = [error for walk in walks for error in walk.errors]
    assert not errors, "\n".join(errors)
    english = {where: strings for walk in walks for where, strings in walk.english.items()}
    assert not english, "English in the newsroom (role page: string (element)):\n" + "\n".join(
        f"{where}:\n" + "\n".join(f"    {text!r}  ({element})" for text, element in strings)
        for where, strings in english.items()
    )


@pytest.fixture
def newsroom(seed_article, reporter, editor, moderator, resident, media_root, settings):
    """Something in every list: articles (one with a captioned picture and two revisions, one a
    reporter's draft), topics, comments (one reported, one deleted on record), a ban, sensitive
    words and the moderation log."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from news.articles import services as article_services
    from news.comments import services
    from news.comments.models import Comment
    from tools import demo

    settings.SERVE_MEDIA = True
    picture = default_storage.url(default_storage.save("body/kiln.jpg", ContentFile(make_image_bytes(600, 400))))
    demo.load_comments(seed_article.title)
    demo.load_topics(seed_article.title, {"editor": editor}, covers=False)
    article = make_article(
        title="神垕古镇钧瓷窑火节开幕",
        category=seed_article.category,
        author=reporter,
        tags=["钧瓷"],
        body=(
            f'<p>开窑仪式在老街举行。</p><figure><img src="{picture}" alt="开窑" width="600" height="400">'
            "<figcaption>开窑仪式现场</figcaption></figure><p>游客在窑前合影。</p>"
        ),
    )
    article_services.keep_revision(article, editor)
    article.title = "神垕古镇钧瓷窑火节今日开幕"
    article.save()
    article_services.keep_revision(article, editor)
    make_article(title="记者的草稿", category=seed_article.category, author=reporter, status="draft")
    comments = list(Comment.objects.filter(article=seed_article).order_by("pk"))
    services.comment_report(comment=comments[0], user=resident, reason="spam", detail="广告")
    services.comments_delete(comments=[comments[2]], by=moderator)
    services.user_ban(user=comments[3].user, by=moderator, duration="7d", reason="刷屏")
    return {"article": article, "comment": comments[0]}


def walk_admin_home(walk):
    """The lists and add forms the admin home links to, then an existing object's form of each list."""
    page = walk.page
    links = page.eval_on_selector_all(
        "#content-main a[href^='/admin/'], #nav-sidebar a[href^='/admin/']", "links => links.map(a => a.pathname)"
    )
    pages = sorted({path for path in links if re.fullmatch(r"/admin/\w+/\w+/(add/)?", path)})
    assert pages, "the admin home links to no list"
    changes = []
    for path in pages:
        walk.visit(path)
        first = page.locator("#result_list tbody a[href*='/change/']").first
        if page.url.endswith("/change/"):  # a single object (the site settings) opens as its form
            changes.append(page.url.removeprefix(walk.url))
        elif not path.endswith("/add/") and first.count():
            changes.append(first.evaluate("a => a.pathname"))
    for path in changes:
        walk.visit(path)
    return changes


def walk_action(walk, changelist, action, rows=1):
    """Tick the first rows of a list and choose an action that asks first (an intermediate page)."""
    page = walk.goto(changelist)
    for row in range(rows):
        page.locator("#result_list tbody input.action-select").nth(row).check()
    page.locator("select[name=action]").select_option(action)
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    walk.read(f"{changelist} → {action}")


def walk_date_and_time_widgets(walk, path):
    """The calendar and clock pop-ups of the form's first date/time field (DateTimeShortcuts)."""
    page = walk.page
    page.locator("#calendarlink0").click()
    expect(page.locator("#calendarbox0")).to_be_visible()
    page.locator("#calendarbox0 .calendarnav-next").click()  # another month's name
    walk.read(f"{path} calendar")
    page.keyboard.press("Escape")
    page.locator("#clocklink0").click()
    expect(page.locator("#clockbox0")).to_be_visible()
    walk.read(f"{path} clock")
    page.keyboard.press("Escape")


def walk_select2(walk, path, field):
    """Django's autocomplete (select2): "Searching…" while it asks, then "No results found"."""
    page = walk.page
    held = []  # the searches, answered once "Searching…" has been read

    def hold(route):
        if held is None:
            route.continue_()
        else:
            held.append(route)

    page.route("**/admin/autocomplete/**", hold)
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("没有这一项")
    page.locator(".select2-results__option.loading-results").wait_for()
    walk.read(f"{path} select2 searching")
    waiting, held = held, None
    for route in waiting:
        route.continue_()
    page.locator(".select2-results__message").wait_for()
    walk.read(f"{path} select2 no results")
    page.keyboard.press("Escape")


def walk_body_editor(walk, path):
    """The body editor's heading menu, dialogs and bubble menus (django-prose-editor / Tiptap)."""
    page = walk.page
    body = page.locator(".ProseMirror[contenteditable=true]")
    menubar = page.locator(".prose-menubar").first

    def dialog(button):
        menubar.locator(f"button[data-name='{button}']").click()
        page.locator("dialog[open]").wait_for()
        walk.read(f"{path} editor dialog {button}")

    def cancel():
        page.locator("dialog[open] button[value=cancel]").click()
        page.locator("dialog[open]").wait_for(state="detached")

    menubar.locator(".prose-menubar__selected").click()
    page.locator(".prose-menubar__picker:popover-open").wait_for()
    walk.read(f"{path} editor heading menu")
    page.keyboard.press("Escape")

    body.locator("p").first.click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")  # words to link
    for button in ("link", "html", "figure"):
        dialog(button)
        cancel()

    body.locator("img").first.click()  # the picture's bubble menu: 添加图注 / 删除图注
    page.locator(".prose-menubar--floating").first.wait_for()
    walk.read(f"{path} editor picture bubble menu")

    body.locator("p").last.click()  # a numbered list's 列表属性
    menubar.locator("button[data-name=orderedList]").click()
    dialog("orderedListProperties")
    cancel()

    body.locator("p").last.click()  # a table with a header row: then the table's own buttons
    dialog("table")
    header_row = page.locator("dialog[open] select")
    header_row.select_option(label="是")
    page.locator("dialog[open] button[type=submit]").click()
    expect(body.locator("table th")).to_have_count(3)  # the translated choice still means "Yes"
    body.locator("table td").first.click()
    expect(menubar.locator("button[data-name='table:deleteTable']")).to_be_visible()
    walk.read(f"{path} editor in a table")


def test_the_superuser_walks_the_admin_and_the_editor_in_chinese(browser, live_server, newsroom):
    superuser = make_user("chief", is_superuser=True, is_staff=True)
    walk = Walk(browser, live_server, "superuser", data_words())
    walk.log_in(superuser)
    changes = walk_admin_home(walk)
    for path in changes:  # history pages share one template: those of an article, a comment and a user
        if re.match(r"/admin/(news/article|comments/comment|accounts/user)/", path):
            walk.visit(path.replace("/change/", "/history/"))

    # The permission chooser of a role: Django's stored English names ("Can add article") translated.
    page = walk.visit("/admin/auth/group/")
    page.locator("#result_list tbody a").first.click()
    page.locator("#id_permissions_from option").first.wait_for(state="attached")  # SelectFilter built
    permissions = page.locator("#id_permissions_from option, #id_permissions_to option").all_text_contents()
    assert permissions and not [p for p in permissions if re.search(r"\bCan \w+", p)], permissions[:5]

    article = newsroom["article"]
    path = f"/admin/news/article/{article.pk}/change/"
    walk.visit(path)
    walk_body_editor(walk, path)
    walk.visit("/admin/news/article/add/")
    walk_date_and_time_widgets(walk, "/admin/news/article/add/")
    walk_select2(walk, "/admin/news/article/add/", "category")
    walk.page.locator(".yz-workflow button").first.click()  # saved empty: the error messages
    walk.page.wait_for_load_state()
    walk.read("/admin/news/article/add/ saved empty")
    walk.visit("/admin/news/article/?q=禹州&state=published")
    older, newer = article.revisions.order_by("pk")[:2]
    walk.visit(f"/admin/news/article/{article.pk}/revisions/?a={older.pk}&b={newer.pk}")
    walk.visit("/admin/news/article/stats/")
    walk.visit(f"/admin/news/article/{article.pk}/delete/")
    walk_action(walk, "/admin/news/article/", "withdraw_selected")
    walk_action(walk, "/admin/news/article/", "pin_selected")
    walk_action(walk, "/admin/news/category/", "delete_selected")
    walk_action(walk, "/admin/taggit/tag/", "render_tag_form", rows=2)

    walk.visit("/admin/comments/comment/?q=社区&reported=yes")
    walk_action(walk, "/admin/comments/comment/", "reject_selected")
    walk.visit(f"/admin/comments/comment/{newsroom['comment'].pk}/ban/")
    walk.visit("/admin/comments/sensitiveword/import/")
    walk.visit("/admin/accounts/ban/add/")
    walk_date_and_time_widgets(walk, "/admin/accounts/ban/add/")
    walk_select2(walk, "/admin/accounts/ban/add/", "user")

    walk.visit("/admin/password_change/")
    walk.visit(f"/admin/accounts/user/{superuser.pk}/password/")
    walk.context.close()
    assert_chinese(walk)


def test_each_staff_role_walks_its_admin_in_chinese(browser, live_server, newsroom, reporter, editor, moderator):
    """What a reporter (on a phone), an editor and a moderator reach from their admin home."""
    data = data_words()
    walks = []
    for role, user, viewport in [
        (REPORTER, reporter, PHONE),
        (EDITOR, editor, DESKTOP),
        (MODERATOR, moderator, DESKTOP),
    ]:
        walk = Walk(browser, live_server, role, data, viewport)
        walk.log_in(user)
        walk_admin_home(walk)
        walk.context.close()
        walks.append(walk)
    assert_chinese(*walks)


def platform_fonts(page, selector):
    """The fonts Chromium drew the text of each element matching ``selector`` with (DevTools)."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("DOM.enable")
    devtools.send("CSS.enable")
    root = devtools.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    nodes = devtools.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
    fonts = [
        {font["familyName"] for font in devtools.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]}
        for node in nodes
    ]
    devtools.detach()
    return fonts


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_editor_toolbar_draws_every_glyph_in_the_fonts_of_a_chinese_desktop(
    browser, live_server, reporter, viewport
):
    """Icons in the editor's icon font (not their names in letters), Chinese in Noto Sans CJK SC."""
    walk = Walk(browser, live_server, REPORTER, data_words(), viewport)
    walk.log_in(reporter)
    page = walk.visit("/admin/news/article/add/")
    menubar = page.locator(".prose-menubar").first
    menubar.wait_for()
    page.evaluate("document.fonts.ready.then(() => true)")
    stack = page.evaluate("getComputedStyle(document.body).fontFamily")
    for family in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC"):
        assert family in stack, stack
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    menubar.screenshot(path=str(ARTIFACTS / f"admin-editor-toolbar-{viewport['width']}.png"))

    icons = platform_fonts(page, ".prose-menubar .material-icons:not(.hidden)")
    assert icons and all(fonts == {"Material Icons"} for fonts in icons), icons
    labels = platform_fonts(page, "#site-name a, label[for=id_title], .yz-workflow button, .yz-editor-count")
    assert labels and all(fonts == {"Noto Sans CJK SC"} for fonts in labels), labels
    [upload] = platform_fonts(page, ".yz-editor-upload")  # 🖼 上传图片
    assert {"Noto Sans CJK SC", "Noto Color Emoji"} <= upload, upload
    menubar.evaluate("menubar => menubar.scrollIntoView({block: 'start', behavior: 'instant'})")
    menubar.locator(".prose-menubar__selected").click()
    page.locator(".prose-menubar__picker:popover-open").wait_for()
    picker = platform_fonts(page, ".prose-menubar__picker button > *")
    assert picker and all(fonts == {"Noto Sans CJK SC"} for fonts in picker), picker  # 标题 2, 正文
    page.screenshot(path=str(ARTIFACTS / f"admin-editor-heading-menu-{viewport['width']}.png"))
    walk.context.close()
    assert_chinese(walk)
