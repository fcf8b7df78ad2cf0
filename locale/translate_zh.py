"""Fill locale/zh_Hans/LC_MESSAGES/django.po from the table below (run after makemessages).

Usage: python locale/translate_zh.py  (needs polib), then manage.py compilemessages.
Keeping the table in one file makes the Chinese wording easy to review in one place.
"""

import sys
from pathlib import Path

import polib

ZH = {
    "Personal info": "个人信息",
    "Accounts": "账户",
    "nickname": "昵称",
    "Shown beside comments instead of the username.": "评论旁显示昵称而不是用户名。",
    "user": "用户",
    "users": "用户",
    "articles": "文章",
    "number of articles": "文章数",
    "status": "状态",
    "Draft": "草稿",
    "Scheduled": "定时发布",
    "Published": "已发布",
    "Publishing": "发布",
    "Figures": "数据",
    "public page": "前台页面",
    "View on site": "在网站上查看",
    "Preview": "预览",
    "Publish selected articles": "发布所选文章",
    "%d article published.": "已发布 %d 篇文章。",
    "Move selected articles back to draft": "将所选文章改回草稿",
    "%d article moved to draft.": "已将 %d 篇文章改回草稿。",
    "Contact": "联系方式",
    "Legal filings": "备案信息",
    "Footer": "页脚",
    "News": "新闻",
    "The image is %(size)s; the limit is %(limit)s.": "图片大小为 %(size)s，上限是 %(limit)s。",
    "The file is empty.": "文件是空的。",
    "The image has too many pixels.": "图片像素过多。",
    "The file is not an image, or it is damaged.": "文件不是图片，或者已经损坏。",
    "%(format)s images are not accepted: use JPEG, PNG, WebP or GIF.": "不接受 %(format)s 格式的图片：请使用 JPEG、PNG、WebP 或 GIF。",
    "The image is %(width)d×%(height)d pixels; the limit is %(limit)s million pixels.": "图片为 %(width)d×%(height)d 像素，上限是 %(limit)s 百万像素。",
    "name": "名称",
    "slug": "网址别名",
    "The address of the category page, e.g. “latest” for /category/latest/.": "栏目页的网址，例如 “latest” 对应 /category/latest/。",
    "parent category": "上级栏目",
    "Leave empty for a top-level category. Only two levels are allowed.": "一级栏目留空。栏目最多两级。",
    "order": "排序",
    "Smaller numbers come first.": "数字小的排在前面。",
    "description": "简介",
    "show in navigation": "显示在导航栏",
    "category": "栏目",
    "categories": "栏目",
    "A category cannot be its own parent.": "栏目不能是自己的上级。",
    "Choose a top-level category: only two levels are allowed.": "请选择一级栏目：栏目最多两级。",
    "This category has sub-categories, so it must stay top-level.": "该栏目下有子栏目，只能作为一级栏目。",
    "website": "网址",
    "Optional; must start with http:// or https://.": "可选；以 http:// 或 https:// 开头。",
    "source": "来源",
    "sources": "来源",
    "title": "标题",
    "summary": "摘要",
    "Plain text. Leave empty to use the first 120 characters of the body.": "纯文本。留空则自动截取正文前 120 个字。",
    "excerpt": "摘要（显示）",
    "body": "正文",
    "HTML; anything outside the allowed tags is removed on save.": "HTML；保存时会去除不允许的标签和属性。",
    "cover image": "封面图",
    "JPEG, PNG, WebP or GIF, up to 10 MB.": "JPEG、PNG、WebP 或 GIF，不超过 10 MB。",
    "tags": "标签",
    "Separate tags with commas.": "多个标签用逗号分隔。",
    "publisher": "发布者",
    "publication time": "发布时间",
    "A time in the future schedules the article: it appears then, by itself.": "填写将来的时间即为定时发布：到时自动上线。",
    "created": "创建时间",
    "updated": "更新时间",
    "allow comments": "允许评论",
    "headline": "头条",
    "Show in the headline area of the home page.": "显示在首页头条区域。",
    "views": "查看",
    "comments": "评论",
    "reactions": "表态",
    "article": "文章",
    "Can edit and publish every reporter's articles": "可以编辑和发布所有记者的文章",
    "Can put articles in the headlines": "可以设置头条",
    "site name": "网站名称",
    "slogan": "标语",
    "customer hotline": "客服热线",
    "hotline hours": "热线服务时间",
    "company address": "公司地址",
    "ICP filing number": "ICP 备案号",
    "Linked to the national filing site beian.miit.gov.cn.": "链接到工信部备案网站 beian.miit.gov.cn。",
    "public security filing number": "公安备案号",
    "operating licence number": "经营许可证号",
    "show render statistics": "显示页面统计",
    "The footer line with server time, render seconds and query count.": "页脚显示服务器时间、页面生成耗时和查询次数。",
    "site settings": "站点设置",
    "Site settings": "站点设置",
    "Passing by": "路过",
    "Shocking": "雷人",
    "Handshake": "握手",
    "Flowers": "鲜花",
    "Eggs": "鸡蛋",
    "This user has not published anything.": "该用户还没有发布过文章。",
    "Page not found": "页面不存在",
    "The page you asked for does not exist, or is not public yet.": "您访问的页面不存在，或者尚未公开。",
    "Back to the home page": "返回首页",
    "Skip to content": "跳到正文",
    "Views:": "查看:",
    "Comments:": "评论:",
    "Breadcrumb": "当前位置",
    "Home": "首页",
    "Customer hotline": "客服热线",
    "Company address:": "公司地址:",
    "Mobile version": "手机版",
    "Open this page on your phone:": "在手机上打开本页：",
    "Blackroom": "小黑屋",
    "Public security filing no.:": "公安备案号:",
    "Operating licence:": "经营许可证:",
    "Back to top": "返回顶部",
    "Newsroom": "新闻后台",
    "Log out": "退出",
    "Quick login": "快捷登录",
    "Username": "用户名",
    "Password": "密码",
    "Log in": "登录",
    "Quick navigation": "快捷导航",
    "Categories": "栏目",
    "Hot": "热门",
    "Pages": "分页",
    "Previous page": "上一页",
    "Page %(number)s of %(total)s": "第 %(number)s / %(total)s 页",
    "Next page": "下一页",
    "View content": "查看内容",
    "Preview: this article is scheduled and will be public at %(time)s.": "预览：本文为定时发布，将于 %(time)s 公开。",
    "Preview: this article is a draft and is not public.": "预览：本文是草稿，尚未公开。",
    "Edit": "编辑",
    "Publisher:": "发布者:",
    "Source:": "来自:",
    "Summary:": "摘要:",
    "Tags:": "标签:",
    "What do you think?": "表态",
    "Reactions open soon": "表态功能即将开放",
    "Share to:": "分享到:",
    "Link copied": "链接已复制",
    "Copy link": "复制链接",
    "Weibo": "微博",
    "QQ Zone": "QQ空间",
    "Previous and next article": "上一篇和下一篇",
    "Previous:": "上一篇:",
    "None": "没有了",
    "Next:": "下一篇:",
    "Latest comments": "最新评论",
    "%(counter)s comment": "%(counter)s 条评论",
    "No comments yet.": "还没有评论。",
    "Comments are closed for this article.": "本文已关闭评论。",
    "No articles here yet.": "这里还没有文章。",
    "Residents who are currently banned from commenting are listed here with the reason and the end of the ban.": "这里列出当前被禁言的用户，以及禁言原因和到期时间。",
    "Action": "操作行为",
    "Expires": "过期时间",
    "Time": "操作时间",
    "Reason": "操作理由",
    "Nobody is banned at the moment.": "目前没有被禁言的用户。",
    "Headlines": "头条",
    "Latest": "最新",
    "Nothing published yet.": "还没有发布文章。",
    "More": "更多",
    "Tag: %(name)s": "标签：%(name)s",
    "Source: %(name)s": "来自：%(name)s",
    "Publisher: %(name)s": "发布者：%(name)s",
    "Simplified Chinese": "简体中文",
    "English": "英语",
    "Yuzhou Focus newsroom": "禹州关注 新闻后台",
    "GMT+8, %(now)s, Processed in %(seconds).6f second(s), %(queries)d queries.": "GMT+8, %(now)s, Processed in %(seconds).6f second(s), %(queries)d queries.",
}


def main():
    path = Path(__file__).with_name("zh_Hans") / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    po.metadata_is_fuzzy = False
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        text = ZH.get(entry.msgid)
        if text is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
