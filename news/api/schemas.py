"""What /api/v1/ reads and answers: every field described in Chinese and English for the schema page."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator


def doc(zh, en):
    return f"{zh} / {en}"


class Input(Schema):
    """A request body: no NUL in any text (PostgreSQL refuses it; nobody types one)."""

    @field_validator("*", mode="before")
    @classmethod
    def no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL character / 不能含有 NUL 字符")
        return value


class Error(Schema):
    code: str = Field(description=doc("稳定的错误代码，程序据此判断", "A stable error code for programs to test"))
    message: str = Field(description=doc("给用户看的中文说明", "What to show the user, in Chinese"))
    errors: list[dict] | None = Field(
        None, description=doc("参数错误时，每个出错字段的位置和原因", "For invalid input: where and why, per field")
    )


# --- articles ------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int = Field(description=doc("栏目编号", "Category id"))
    name: str = Field(description=doc("栏目名称", "Category name"))
    slug: str = Field(description=doc("栏目地址中的名字", "The category's name in addresses"))


class Category(CategoryRef):
    description: str = Field(description=doc("栏目简介", "Short description"))
    url: str = Field(description=doc("栏目网页地址", "The category's web page"))
    children: list["Category"] = Field(description=doc("下级栏目", "Sub-categories, in order"))


class Rendition(Schema):
    url: str = Field(description=doc("图片地址", "Image address"))
    width: int = Field(description=doc("宽度（像素）", "Width in pixels"))
    format: Literal["webp", "jpg"] = Field(description=doc("图片格式", "Image format"))


class Picture(Schema):
    url: str = Field(description=doc("原图地址", "The original's address"))
    width: int | None = Field(description=doc("原图宽度（像素）", "Original width in pixels"))
    height: int | None = Field(description=doc("原图高度（像素）", "Original height in pixels"))
    renditions: list[Rendition] = Field(
        description=doc("缩放后的版本，按宽度选用（动图没有）", "Scaled copies to choose by width (none for GIFs)")
    )


class BodyPicture(Picture):
    alt: str = Field(description=doc("图片说明（替代文字）", "Alternative text"))


class GalleryPictureOut(Picture):
    caption: str = Field(description=doc("图注", "Caption"))
    alt: str = Field(description=doc("图片说明（替代文字；没有时为图注）", "Alternative text (the caption when none)"))


class VideoOut(Schema):
    source: str = Field(
        description=doc("file：本站的 MP4；qq 或 bilibili：平台播放器", "file: our MP4; qq or bilibili")
    )
    url: str = Field(
        description=doc(
            "MP4 地址，或平台官方播放器的地址（放进 iframe）", "The MP4, or the platform's player (for an iframe)"
        )
    )
    page_url: str | None = Field(
        description=doc("视频在平台上的网页（仅平台视频）", "The video's page on the platform")
    )
    poster: Picture | None = Field(description=doc("封面帧（仅本站视频）", "Poster (our MP4 only)"))
    width: int | None = Field(description=doc("视频宽度（像素）", "Width in pixels"))
    height: int | None = Field(description=doc("视频高度（像素）", "Height in pixels"))
    duration: float | None = Field(description=doc("时长（秒）", "Duration in seconds"))


class ArticleItem(Schema):
    id: int = Field(description=doc("文章编号", "Article id"))
    title: str = Field(description=doc("标题", "Title"))
    summary: str = Field(description=doc("摘要", "Summary"))
    url: str = Field(description=doc("文章网页地址", "The article's web page"))
    published_at: datetime = Field(description=doc("发布时间（北京时间）", "Publication time (UTC+8)"))
    category: CategoryRef | None = Field(description=doc("所属栏目", "Category"))
    cover: Picture | None = Field(description=doc("封面图", "Cover picture"))
    view_count: int = Field(description=doc("阅读数", "Views"))
    comment_count: int = Field(description=doc("评论数（已通过的）", "Approved comments"))
    reaction_count: int = Field(description=doc("表态总数", "Reactions in all"))


class SearchItem(ArticleItem):
    snippet: str = Field(description=doc("正文中含搜索词的片段（纯文本）", "A plain-text excerpt with the words"))


class ArticlePage(Schema):
    items: list[ArticleItem] = Field(description=doc("本页文章，最新的在前", "This page's articles, newest first"))
    next_cursor: str | None = Field(
        description=doc("下一页的 cursor 参数；没有下一页时为 null", "The cursor of the next page; null on the last")
    )


class SearchPage(Schema):
    query: str = Field(description=doc("实际搜索的文字（去掉不可见字符，最多 100 字）", "The words searched for"))
    count: int = Field(description=doc("结果数（最多计到 1000）", "Number of results (counted up to 1,000)"))
    items: list[SearchItem] = Field(description=doc("本页结果，最相关的在前", "This page's results, best first"))
    next_cursor: str | None = Field(description=doc("下一页的 cursor 参数", "The cursor of the next page"))


class Named(Schema):
    id: int = Field(description=doc("编号", "Id"))
    title: str = Field(description=doc("标题", "Title"))


class Neighbours(Schema):
    previous: Named | None = Field(description=doc("上一篇（同栏目）", "The one before, in the same category"))
    next: Named | None = Field(description=doc("下一篇（同栏目）", "The one after, in the same category"))


class SourceOut(Schema):
    id: int = Field(description=doc("来源编号", "Source id"))
    name: str = Field(description=doc("来源名称", "Source name"))
    url: str = Field(description=doc("来源网站", "Its website"))


class TagOut(Schema):
    name: str = Field(description=doc("标签", "Tag"))
    slug: str = Field(description=doc("标签在地址中的名字", "The tag's name in addresses"))


class TagCount(TagOut):
    count: int = Field(description=doc("使用该标签的公开文章数", "Public articles with this tag"))


class Publisher(Schema):
    username: str = Field(description=doc("发布者账号", "The publishing account"))
    name: str = Field(description=doc("显示名", "Display name"))


class ReactionOut(Schema):
    id: int = Field(description=doc("表态编号", "Reaction id"))
    name: str = Field(description=doc("表态名称", "Reaction name"))
    icon: str = Field(description=doc("图标（表情符号）", "Icon (an emoji)"))
    count: int = Field(description=doc("该文章的此表态数", "Votes for it on this article"))


class ArticleDetail(ArticleItem):
    updated_at: datetime = Field(description=doc("最后修改时间", "Last changed"))
    kind: str = Field(description=doc("稿件形式：article（文章）或 gallery（图集）", "article or gallery"))
    gallery: list[GalleryPictureOut] = Field(
        description=doc("图集的图片，按顺序（文章为空）", "A gallery's pictures, in order (empty for articles)")
    )
    video: VideoOut | None = Field(description=doc("文章开头的视频", "The lead video"))
    body_html: str = Field(
        description=doc("正文 HTML（已净化；本站的地址都是完整地址）", "Body HTML, sanitised, with absolute addresses")
    )
    pictures: list[BodyPicture] = Field(description=doc("正文中的图片，按顺序", "The body's pictures, in order"))
    byline: str = Field(description=doc("原作者", "The original author, when not the publisher"))
    reporters: list[str] = Field(description=doc("记者", "Reporters"))
    correspondents: list[str] = Field(description=doc("通讯员", "Correspondents"))
    photographers: list[str] = Field(description=doc("摄影", "Photographers"))
    responsible_editor: str = Field(description=doc("责任编辑", "Editor in charge"))
    source: SourceOut | None = Field(description=doc("来源", "Source"))
    source_url: str = Field(description=doc("原文链接", "Link to the original"))
    publisher: Publisher | None = Field(description=doc("发布者", "Publisher"))
    tags: list[TagOut] = Field(description=doc("标签", "Tags"))
    reactions: list[ReactionOut] = Field(description=doc("表态及其数量", "Reactions and their counts"))
    neighbours: Neighbours = Field(description=doc("上一篇、下一篇", "Previous and next"))
    comments_open: bool = Field(description=doc("现在能否评论", "Whether residents may comment now"))


class RankedArticle(Schema):
    article: Named = Field(description=doc("文章", "The article"))
    count: int = Field(description=doc("这段时间的阅读数或评论数", "Views or comments in the period"))


class Rankings(Schema):
    period: Literal["today", "week", "month", "all"] = Field(description=doc("时间段", "Period"))
    views: list[RankedArticle] = Field(description=doc("阅读排行", "Most read"))
    comments: list[RankedArticle] = Field(description=doc("评论排行", "Most discussed"))


# --- comments -----------------------------------------------------------------------------


class Author(Schema):
    name: str = Field(description=doc("昵称", "Nickname"))


class CommentOut(Schema):
    id: int = Field(description=doc("评论编号", "Comment id"))
    author: Author = Field(description=doc("评论者", "Who wrote it"))
    text: str = Field(description=doc("评论内容（纯文本）", "The text, plain"))
    created_at: datetime = Field(description=doc("发表时间", "When it was posted"))
    region: str = Field(description=doc("IP 属地", "IP region (省份)"))
    like_count: int = Field(description=doc("点赞数", "Likes"))
    status: Literal["approved", "pending"] = Field(
        description=doc("approved 已显示；pending 审核中（只有作者自己看得到）", "pending: only its author sees it")
    )
    reply_to: str | None = Field(description=doc("回复的是谁（回复 @昵称）", "Whom a reply answers"))


class CommentThread(CommentOut):
    replies: list[CommentOut] = Field(description=doc("回复，最早的在前", "Replies, oldest first"))


class CommentPage(Schema):
    items: list[CommentThread] = Field(description=doc("评论，最新的在前", "Comments, newest first"))
    next_cursor: str | None = Field(description=doc("下一页的 cursor 参数", "The cursor of the next page"))


class CommentIn(Input):
    text: str = Field(description=doc("评论内容，2–1000 字", "The text, 2–1,000 characters"))
    parent_id: int | None = Field(None, description=doc("回复的评论编号", "The comment this replies to"))


class Posted(Schema):
    comment: CommentOut = Field(description=doc("发表的评论", "The comment as saved"))
    message: str = Field(description=doc("给用户的提示（如：已提交审核）", "What to tell the user"))


class CommentedArticle(Schema):
    id: int = Field(description=doc("文章编号", "Article id"))
    title: str = Field(
        description=doc("标题；文章已不公开（撤稿）时为空", "Title; empty once the article is not public")
    )
    public: bool = Field(description=doc("文章现在是否公开", "Whether the article is public now"))


class MyComment(Schema):
    id: int = Field(description=doc("评论编号", "Comment id"))
    article: CommentedArticle = Field(description=doc("评论的文章", "The article"))
    text: str = Field(description=doc("评论内容", "The text"))
    created_at: datetime = Field(description=doc("发表时间", "When it was posted"))
    status: Literal["approved", "pending", "rejected", "spam"] = Field(description=doc("状态", "Status"))
    status_label: str = Field(description=doc("状态（中文）", "Status, in Chinese"))
    reason: str = Field(description=doc("未通过的原因", "Why a moderator refused it"))


class MyCommentPage(Schema):
    items: list[MyComment] = Field(description=doc("我的评论，最新的在前", "My comments, newest first"))
    next_cursor: str | None = Field(description=doc("下一页的 cursor 参数", "The cursor of the next page"))


class ReactionIn(Input):
    reaction_id: int = Field(description=doc("表态编号（见文章详情的 reactions）", "A reaction id from the article"))


class Reacted(Schema):
    chosen: int = Field(description=doc("你选的表态", "Your reaction"))
    reactions: list[ReactionOut] = Field(description=doc("表态及其数量", "Reactions and their counts"))


# --- accounts -----------------------------------------------------------------------------


class LoginIn(Input):
    username: str = Field(max_length=150, description=doc("用户名", "Username"))
    password: str = Field(max_length=4096, description=doc("密码", "Password"))
    client: str = Field("", max_length=60, description=doc("应用或设备名，显示在个人资料页", "App or device name"))


class Me(Schema):
    username: str = Field(description=doc("账号", "Username"))
    name: str = Field(description=doc("显示名", "Display name"))
    phone_verified: bool = Field(description=doc("是否已绑定手机号（实名）", "Mobile number linked (real name)"))
    can_comment: bool = Field(description=doc("现在能否评论", "Whether this account may comment now"))
    reason: str = Field(description=doc("不能评论的原因", "Why it may not comment"))


class Token(Schema):
    token: str = Field(description=doc("令牌：请求时放在 Authorization: Bearer 后", "Send as Authorization: Bearer"))
    token_type: Literal["Bearer"] = Field(description=doc("令牌类型", "Token type"))
    user: Me = Field(description=doc("登录的账号", "The account"))
