"""The reaction bar (表态): one vote per visitor per article, counted by reaction id, and its refusals."""

import re
import threading
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from news.articles.factories import make_article
from news.articles.models import Article
from news.viewcounts import reactions
from news.viewcounts.models import Reaction, ReactionVote

pytestmark = pytest.mark.django_db

DEFAULTS = [("路过", "🚶"), ("雷人", "😱"), ("握手", "🤝"), ("鲜花", "💐"), ("鸡蛋", "🥚")]
BUTTON = re.compile(
    r'<button type="submit" name="reaction" value="(\d+)" class="reaction" aria-pressed="(true|false)"[^>]*>\s*'
    r'<span class="reaction__icon" aria-hidden="true">([^<]*)</span>\s*'
    r'<span class="reaction__label">([^<]*)</span>\s*'
    r'<span class="reaction__count" data-reaction="(\d+)">(\d+)</span>'
)


@pytest.fixture
def article(category, reporter):
    return make_article(title="夏都街道党建观摩", category=category, author=reporter)


@pytest.fixture
def ids():
    """The default reactions' ids, in button order (路过, 雷人, 握手, 鲜花, 鸡蛋)."""
    return list(Reaction.objects.order_by("order", "id").values_list("pk", flat=True))


def reader(n=0, **extra):
    """An anonymous reader with their own address (anonymous visitors are address + user agent)."""
    return Client(REMOTE_ADDR=f"10.0.{n // 250}.{n % 250 + 1}", **extra)


def react_url(article):
    return reverse("viewcounts:react", args=[article.pk])


def vote(client, article, reaction, *, json=False):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(react_url(article), {"reaction": reaction}, headers=headers)


def stored(article):
    """(counts by reaction id, total) as stored on the article row."""
    return tuple(Article.objects.filter(pk=article.pk).values_list("reaction_counts", "reaction_count").get())


def buttons(page):
    """[(reaction id, pressed, icon, name, count)] of the reaction bar, in page order."""
    rows = []
    for value, pressed, icon, name, count_for, count in BUTTON.findall(page):
        assert value == count_for
        rows.append((int(value), pressed == "true", icon, name, int(count)))
    return rows


def counts_on_page(page):
    return {reaction_id: count for reaction_id, _pressed, _icon, _name, count in buttons(page)}


def pressed_on_page(page):
    return [reaction_id for reaction_id, pressed, _icon, _name, _count in buttons(page) if pressed]


def article_page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- the buttons ---------------------------------------------------------------------------


def test_five_default_reactions_exist_in_the_old_portals_order(client, article):
    assert [(r.name, r.icon) for r in Reaction.objects.all()] == DEFAULTS
    assert all(r.is_active for r in Reaction.objects.all())
    page = article_page(client, article)
    assert "表态" in page
    assert [(icon, name, count) for _id, _pressed, icon, name, count in buttons(page)] == [
        (icon, name, 0) for name, icon in DEFAULTS
    ]


def test_no_button_is_pressed_for_a_new_visitor(client, article):
    assert pressed_on_page(article_page(client, article)) == []


# --- voting --------------------------------------------------------------------------------


def test_anonymous_vote_counts_without_starting_a_session(client, article, ids):
    response = vote(client, article, ids[3])
    assert response.status_code == 302
    assert response.url == f"/article/{article.pk}/#reactions"
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0
    assert stored(article) == ({str(ids[3]): 1}, 1)
    row = ReactionVote.objects.get()
    assert (row.article_id, row.reaction_id, row.user) == (article.pk, ids[3], None)
    assert "127.0.0.1" not in row.visitor  # only a hash is kept
    page = article_page(client, article)
    assert counts_on_page(page) == {ids[0]: 0, ids[1]: 0, ids[2]: 0, ids[3]: 1, ids[4]: 0}
    assert "你的表态：💐 鲜花" in page  # without JavaScript, the next page says what was chosen
    assert Session.objects.count() == 0


def test_a_client_without_cookies_counts_once_and_writes_no_session(article, ids):
    """40 votes from one address and user agent, each without any cookie: one visitor, one vote."""
    statuses = {vote(Client(HTTP_USER_AGENT="stuffer/1.0"), article, ids[n % 5]).status_code for n in range(40)}
    assert statuses == {302, 429}  # moved at most ten times a minute, then refused
    assert stored(article)[1] == 1
    assert ReactionVote.objects.count() == 1
    assert Session.objects.count() == 0


def test_anonymous_votes_from_one_address_are_capped_per_article(article, category, reporter, ids):
    """A new user agent for every vote is a new visitor, up to the cap for the address."""
    limit = reactions.ADDRESS_HOURLY_LIMIT
    answers = [vote(Client(HTTP_USER_AGENT=f"agent/{n}"), article, ids[0]).status_code for n in range(limit + 10)]
    assert answers == [302] * limit + [429] * 10
    assert stored(article) == ({str(ids[0]): limit}, limit)
    refused = vote(Client(HTTP_USER_AGENT="agent/late"), article, ids[0], json=True)
    assert refused.json() == {"error": "你所在的网络对这篇文章的表态过多，请稍后再试。"}
    assert vote(reader(1), article, ids[0]).status_code == 302  # another address
    other = make_article(category=category, author=reporter)
    assert vote(Client(HTTP_USER_AGENT="agent/other"), other, ids[0]).status_code == 302  # another article
    assert stored(article)[1] == limit + 1


def test_anonymous_page_leaves_the_choice_to_the_browser(client, article, ids):
    """The page is shared by the caches: no button pressed, and the form says where site.js keeps it."""
    vote(client, article, ids[2], json=True)
    page = article_page(client, article)
    assert pressed_on_page(page) == []
    assert f'data-remember="reaction:{article.pk}"' in page


def test_same_reaction_again_changes_nothing(client, article, ids):
    vote(client, article, ids[1])
    response = vote(client, article, ids[1])
    assert response.status_code == 302
    assert stored(article) == ({str(ids[1]): 1}, 1)
    assert ReactionVote.objects.count() == 1


def test_another_reaction_moves_the_vote(client, article, ids):
    vote(client, article, ids[0])
    vote(client, article, ids[4])
    counts, total = stored(article)
    assert total == 1
    assert counts.get(str(ids[0]), 0) == 0
    assert counts[str(ids[4])] == 1
    assert ReactionVote.objects.get().reaction_id == ids[4]
    page = article_page(client, article)
    assert counts_on_page(page)[ids[0]] == 0
    assert counts_on_page(page)[ids[4]] == 1


def test_two_visitors_count_two(article, ids):
    first, second = reader(1), reader(2)
    vote(first, article, ids[2])
    vote(second, article, ids[2])
    assert stored(article) == ({str(ids[2]): 2}, 2)
    assert ReactionVote.objects.count() == 2
    assert counts_on_page(article_page(Client(), article))[ids[2]] == 2


def test_logged_in_resident_votes_as_their_account_on_every_device(article, ids, resident):
    phone, laptop = Client(), Client()
    phone.force_login(resident)
    laptop.force_login(resident)
    assert vote(phone, article, ids[3]).status_code == 302
    assert ReactionVote.objects.get().user == resident
    vote(laptop, article, ids[1])  # same account, another session: the vote moves
    assert stored(article) == ({str(ids[1]): 1}, 1)
    assert ReactionVote.objects.count() == 1
    assert pressed_on_page(article_page(phone, article)) == [ids[1]]


def test_chosen_button_is_pressed_on_reload(client, article, ids, resident):
    client.force_login(resident)
    vote(client, article, ids[2])
    page = article_page(client, article)
    assert [(reaction_id, pressed) for reaction_id, pressed, *_rest in buttons(page)] == [
        (reaction_id, reaction_id == ids[2]) for reaction_id in ids
    ]
    assert pressed_on_page(article_page(Client(), article)) == []  # another visitor sees no choice


def test_json_mode_returns_counts_chosen_and_total(article, ids):
    reader(1).post(react_url(article), {"reaction": ids[0]})
    client = reader(2)
    response = vote(client, article, ids[3], json=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"counts": {str(ids[0]): 1, str(ids[3]): 1}, "chosen": ids[3], "total": 2}
    moved = vote(client, article, ids[0], json=True).json()
    assert moved == {"counts": {str(ids[0]): 2}, "chosen": ids[0], "total": 2}


def test_vote_with_a_csrf_token_from_the_page_is_accepted(article, ids):
    client = Client(enforce_csrf_checks=True)
    article_page(client, article)
    token = client.cookies["csrftoken"].value
    response = client.post(react_url(article), {"reaction": ids[1], "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert stored(article) == ({str(ids[1]): 1}, 1)


# --- refusals ------------------------------------------------------------------------------


def test_author_is_refused_and_nothing_changes(client, article, ids, reporter):
    client.force_login(reporter)
    response = vote(client, article, ids[3])
    assert response.status_code == 403
    page = response.content.decode()
    assert "不能对自己的文章表态。" in page
    assert 'id="reactions"' in page  # the article page again, with the reason
    assert stored(article) == ({}, 0)
    assert ReactionVote.objects.count() == 0


def test_author_is_refused_in_json_mode_too(client, article, ids, reporter):
    client.force_login(reporter)
    response = vote(client, article, ids[3], json=True)
    assert response.status_code == 403
    assert response.json() == {"error": "不能对自己的文章表态。"}
    assert stored(article) == ({}, 0)


@pytest.mark.parametrize("value", ["999999", "-1", "abc", "", "1.5", "99999999999999999999999"])
def test_unknown_reaction_is_refused_with_400(client, article, ids, value):
    vote(Client(), article, ids[0])
    response = client.post(react_url(article), {"reaction": value})
    assert response.status_code == 400
    assert "没有这个表态。" in response.content.decode()
    assert stored(article) == ({str(ids[0]): 1}, 1)
    assert ReactionVote.objects.count() == 1


def test_missing_reaction_is_refused_with_400_in_json(client, article):
    response = client.post(react_url(article), {}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"error": "没有这个表态。"}
    assert stored(article) == ({}, 0)


def test_hidden_reaction_is_refused_with_400(client, article, ids):
    egg = Reaction.objects.get(pk=ids[4])
    egg.is_active = False
    egg.save()
    response = vote(client, article, ids[4], json=True)
    assert response.status_code == 400
    assert response.json() == {"error": "没有这个表态。"}
    assert stored(article) == ({}, 0)
    assert ReactionVote.objects.count() == 0


def test_unpublished_scheduled_and_unknown_articles_are_404(client, category, reporter, ids):
    draft = make_article(title="草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    scheduled = make_article(
        title="明天发布", category=category, author=reporter, published_at=timezone.now() + timedelta(days=1)
    )
    for target in (draft, scheduled):
        assert vote(client, target, ids[0]).status_code == 404
        assert vote(client, target, ids[0], json=True).status_code == 404
        assert stored(target) == ({}, 0)
    assert client.post(f"/article/{scheduled.pk + 1000}/react/", {"reaction": ids[0]}).status_code == 404
    assert ReactionVote.objects.count() == 0


def test_reacting_needs_a_post(client, article, ids):
    assert client.get(react_url(article), {"reaction": ids[0]}).status_code == 405
    assert stored(article) == ({}, 0)


def test_more_than_ten_votes_a_minute_is_refused_with_429(client, article, ids):
    for n in range(reactions.RATE_LIMIT):
        assert vote(client, article, ids[n % 5]).status_code == 302
    last = ids[(reactions.RATE_LIMIT - 1) % 5]
    assert stored(article) == ({str(last): 1}, 1)
    response = vote(client, article, ids[0])
    assert response.status_code == 429
    assert "一分钟内表态次数过多，请稍后再试。" in response.content.decode()
    assert vote(client, article, ids[0], json=True).json() == {"error": "一分钟内表态次数过多，请稍后再试。"}
    assert stored(article) == ({str(last): 1}, 1)
    assert ReactionVote.objects.get().reaction_id == last
    assert vote(reader(1), article, ids[0]).status_code == 302  # other visitors are not held up


def test_rate_limit_is_per_visitor_across_articles(client, category, reporter, ids):
    articles = [make_article(category=category, author=reporter) for _ in range(reactions.RATE_LIMIT + 1)]
    for target in articles[:-1]:
        assert vote(client, target, ids[0]).status_code == 302
    assert vote(client, articles[-1], ids[0]).status_code == 429
    assert stored(articles[-1]) == ({}, 0)


def test_post_without_csrf_token_is_refused(article, ids):
    client = Client(enforce_csrf_checks=True)
    article_page(client, article)  # has a CSRF cookie, but sends no token
    response = vote(client, article, ids[0])
    assert response.status_code == 403
    assert stored(article) == ({}, 0)
    assert ReactionVote.objects.count() == 0


# --- editing the reactions ---------------------------------------------------------------


def changelist_form(changes):
    """The ReactionAdmin list form (order and 显示 editable) with ``changes`` {id: (order, shown)}."""
    data = {
        "form-TOTAL_FORMS": str(len(changes)),
        "form-INITIAL_FORMS": str(len(changes)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    for index, (reaction_id, (order, shown)) in enumerate(changes.items()):
        data[f"form-{index}-id"] = str(reaction_id)
        data[f"form-{index}-order"] = str(order)
        if shown:
            data[f"form-{index}-is_active"] = "on"
    return data


def test_renaming_and_reordering_in_the_admin_keeps_each_count_with_its_reaction(client, article, ids, editor):
    for number, reaction_id in enumerate([ids[0]] * 3 + [ids[1]] + [ids[4]] * 2):
        vote(reader(number), article, reaction_id)
    before = stored(article)
    assert before == ({str(ids[0]): 3, str(ids[1]): 1, str(ids[4]): 2}, 6)
    article_page(Client(), article)  # the buttons are cached now

    client.force_login(editor)
    response = client.post(
        reverse("admin:viewcounts_reaction_change", args=[ids[0]]),
        {"name": "围观", "icon": "👀", "order": "0", "is_active": "on"},
    )
    assert response.status_code == 302
    reversed_order = {reaction_id: ((4 - index) * 10, True) for index, reaction_id in enumerate(ids)}
    response = client.post(reverse("admin:viewcounts_reaction_changelist"), changelist_form(reversed_order))
    assert response.status_code == 302

    assert stored(article) == before
    page = article_page(Client(), article)
    assert [(reaction_id, icon, name, count) for reaction_id, _p, icon, name, count in buttons(page)] == [
        (ids[4], "🥚", "鸡蛋", 2),
        (ids[3], "💐", "鲜花", 0),
        (ids[2], "🤝", "握手", 0),
        (ids[1], "😱", "雷人", 1),
        (ids[0], "👀", "围观", 3),
    ]


def test_a_vote_after_reordering_lands_on_the_chosen_reaction(article, ids):
    for index, reaction in enumerate(Reaction.objects.order_by("order")):
        reaction.order = 100 - index
        reaction.save()
    vote(Client(), article, ids[1])
    assert stored(article) == ({str(ids[1]): 1}, 1)
    assert counts_on_page(article_page(Client(), article))[ids[1]] == 1


def test_hiding_a_reaction_in_the_admin_removes_its_button(client, article, ids, editor):
    vote(Client(), article, ids[2])
    article_page(Client(), article)  # the buttons are cached now
    client.force_login(editor)
    changes = {reaction_id: (index * 10, reaction_id != ids[2]) for index, reaction_id in enumerate(ids)}
    assert client.post(reverse("admin:viewcounts_reaction_changelist"), changelist_form(changes)).status_code == 302
    page = article_page(Client(), article)
    assert [reaction_id for reaction_id, *_rest in buttons(page)] == [ids[0], ids[1], ids[3], ids[4]]
    assert "握手" not in page
    assert stored(article) == ({str(ids[2]): 1}, 1)  # the votes are kept, for when it comes back

    changes[ids[2]] = (20, True)
    client.post(reverse("admin:viewcounts_reaction_changelist"), changelist_form(changes))
    assert counts_on_page(article_page(Client(), article))[ids[2]] == 1


def test_reactions_cannot_be_deleted_in_the_admin(client, ids, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:viewcounts_reaction_delete", args=[ids[0]]))
    assert response.status_code == 403
    assert Reaction.objects.count() == 5


# --- cost ----------------------------------------------------------------------------------


def test_article_page_queries_do_not_grow_with_votes(article, ids):
    reader = Client()
    article_page(reader, article)  # warm-up: site settings, category tree, buttons
    with CaptureQueriesContext(connection) as none:
        article_page(reader, article)
    for n in range(50):
        reactions.react(article=article, reaction_id=ids[n % 5], visitor=f"visitor-{n}")
    assert stored(article) == ({str(reaction_id): 10 for reaction_id in ids}, 50)
    article_page(reader, article)
    with CaptureQueriesContext(connection) as many:
        page = article_page(reader, article)
    assert counts_on_page(page) == dict.fromkeys(ids, 10)
    assert len(many) == len(none)


def test_voter_page_queries_do_not_grow_with_votes(client, article, ids, resident):
    client.force_login(resident)
    vote(client, article, ids[0])
    article_page(client, article)
    with CaptureQueriesContext(connection) as few:
        article_page(client, article)
    for n in range(50):
        reactions.react(article=article, reaction_id=ids[n % 5], visitor=f"visitor-{n}")
    with CaptureQueriesContext(connection) as many:
        page = article_page(client, article)
    assert pressed_on_page(page) == [ids[0]]
    assert len(many) == len(few)


# --- concurrency (PostgreSQL) ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL row locks")
def test_concurrent_votes_keep_exact_counts(category, reporter):
    assert connection.vendor == "postgresql"
    reactions.create_default_reactions()  # an earlier transactional test may have flushed them
    ids = list(Reaction.objects.order_by("order", "id").values_list("pk", flat=True))
    article = make_article(category=category, author=reporter)
    threads_n, visitors_n = 8, 10
    barrier = threading.Barrier(threads_n, timeout=60)
    errors = []

    def worker(thread):
        try:
            for visitor in range(visitors_n):  # every round starts together, so the last one races too
                name = f"t{thread}-v{visitor}"
                barrier.wait()
                reactions.react(article=article, reaction_id=ids[thread % 5], visitor=name)
                barrier.wait()
                reactions.react(article=article, reaction_id=ids[(thread + visitor) % 5], visitor=name)
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    expected = {}
    for thread in range(threads_n):
        for visitor in range(visitors_n):
            key = str(ids[(thread + visitor) % 5])
            expected[key] = expected.get(key, 0) + 1
    rows = {}
    for reaction_id in ReactionVote.objects.filter(article=article).values_list("reaction_id", flat=True):
        rows[str(reaction_id)] = rows.get(str(reaction_id), 0) + 1
    assert rows == expected
    assert stored(article) == (expected, threads_n * visitors_n)
