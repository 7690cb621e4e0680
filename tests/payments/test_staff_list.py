"""The staff order list at a province's scale (issue 13 item 1): pages read from an index, one query whatever the
page, rows exactly as before, and the cached count and choices as fresh as the chart."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certification.models import Role

URL = "/orders/manage/"


@pytest.fixture
def administrator(make_user):
    return make_user(Role.ADMINISTRATOR, is_superuser=True, is_staff=True)


@pytest.fixture
def jiangsu_campaign(seeded):
    return seeded["jiangsu-junior-2024"]


def _orders(submit, make_user, campaign, n, **user_kwargs):
    return [submit(make_user(**user_kwargs), campaign)[1] for _ in range(n)]


def _rows(page: str) -> list[str]:
    """The order table's rows (the second `table.list`; the first is the totals)."""
    body = page.split("<h2>订单</h2>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr><td>.*?</tr>", body, flags=re.S)


def _page_query(captured) -> str:
    return next(q["sql"] for q in captured if '"payments_order"' in q["sql"])


def test_rows_read_newest_first_fifty_a_page_as_before(client, administrator, open_campaign, make_user, submit,
                                                       pay):
    orders = _orders(submit, make_user, open_campaign, 52)
    pay(orders[0])
    applicant = orders[0].applicant
    client.force_login(administrator)
    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()
    newest_first = [o.number for o in sorted(orders, key=lambda o: (o.created_at, o.pk), reverse=True)]
    assert [re.search(r">(KJ\w+)</a>", row).group(1) for row in _rows(first) + _rows(second)] == newest_first
    assert len(_rows(first)) == 50 and "第 1/2 页" in first and "第 2/2 页" in second
    orders[0].refresh_from_db()
    local = {o.pk: (timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
                    timezone.localtime(o.paid_at).strftime("%Y-%m-%d %H:%M") if o.paid_at else "—")
             for o in orders}
    # The markup the template wrote before the rows moved to payments_tags (times in Beijing time).
    paid, pending = orders[0], orders[1]
    assert (f'<tr><td><a href="/orders/manage/{paid.number}/">{paid.number}</a></td><td>{open_campaign.title}</td>\n'
            f'<td>{applicant.full_name}</td><td>¥500.00</td><td><span class="tag order-paid">已支付</span></td>\n'
            f'<td>未开</td><td>{local[paid.pk][0]}</td><td>{local[paid.pk][1]}</td></tr>\n') in first + second
    assert (f'<td><span class="tag order-pending">待支付</span></td>\n<td>未开</td>'
            f'<td>{local[pending.pk][0]}</td><td>—</td></tr>\n') in first + second


def test_names_are_escaped_in_rows_and_options(client, administrator, open_campaign, make_user, submit):
    _orders(submit, make_user, open_campaign, 1, full_name="<b>周&八</b>")
    open_campaign.title = "2023年<全国>高级认证"
    open_campaign.save()
    client.force_login(administrator)
    page = client.get(URL).content.decode()
    assert "<b>周" not in page and "&lt;b&gt;周&amp;八&lt;/b&gt;" in page
    assert f'<option value="{open_campaign.pk}">2023年&lt;全国&gt;高级认证</option>' in page
    assert "<td>2023年&lt;全国&gt;高级认证</td>" in page  # the row, from the cached choices


def test_one_query_for_the_orders_whatever_the_page_and_no_count(client, administrator, jiangsu_secretariat,
                                                                 jiangsu_campaign, open_campaign, make_user, submit):
    _orders(submit, make_user, jiangsu_campaign, 3)
    counts = {}
    for user in (administrator, jiangsu_secretariat):
        client.force_login(user)
        client.get(URL)  # the chart and the choices are computed once, then cached
        with CaptureQueriesContext(connection) as few:
            client.get(URL)
        counts[user.pk] = len(few.captured_queries)
    _orders(submit, make_user, jiangsu_campaign, 60)
    _orders(submit, make_user, open_campaign, 5)
    for user in (administrator, jiangsu_secretariat):
        client.force_login(user)
        for params in ({}, {"page": 2}, {"status": "pending"}, {"status": "pending", "page": 2}):
            client.get(URL, params)  # this filter's chart, now cached
            with CaptureQueriesContext(connection) as many:
                page = client.get(URL, params).content.decode()
            sql = [q["sql"] for q in many.captured_queries]
            assert len(sql) == counts[user.pk], params
            assert sum('"payments_order"' in q for q in sql) == 1 and not any("COUNT(" in q for q in sql)
            assert f"第 {params.get('page', 1)}/2 页" in page and len(_rows(page)) == (50 if "page" not in params
                                                                                       else 63 + 5 * (
                                                                                           user == administrator) - 50)


def test_a_new_order_and_a_renamed_campaign_show_at_once(client, administrator, open_campaign, make_user, submit):
    first = _orders(submit, make_user, open_campaign, 1)[0]
    client.force_login(administrator)
    assert first.number in client.get(URL).content.decode()
    second = _orders(submit, make_user, open_campaign, 1)[0]
    open_campaign.title = "改名后的认证活动"
    open_campaign.save()
    page = client.get(URL).content.decode()
    assert second.number in page and len(_rows(page)) == 2
    assert page.count("改名后的认证活动") == 5  # option, totals row, chart heading, two order rows


def test_a_secretariat_lists_only_its_own_provinces_orders(client, jiangsu_secretariat, jilin_secretariat, seeded,
                                                           jiangsu_campaign, open_campaign, make_user, submit):
    own = _orders(submit, make_user, jiangsu_campaign, 2)
    other = _orders(submit, make_user, seeded["jilin-junior-2024"], 1) + _orders(submit, make_user, open_campaign, 1)
    client.force_login(jiangsu_secretariat)
    page = client.get(URL).content.decode()
    assert all(o.number in page for o in own) and not any(o.number in page for o in other)
    assert f'value="{open_campaign.pk}"' not in page  # nor the campaign in the filter
    # Asking for another province's campaign is refused, not answered.
    page = client.get(URL, {"campaign": seeded["jilin-junior-2024"].pk}).content.decode()
    assert "筛选条件无效" in page and not any(o.number in page for o in other)
    client.force_login(jilin_secretariat)
    page = client.get(URL).content.decode()
    assert other[0].number in page and not any(o.number in page for o in own + other[1:])


def test_a_bad_filter_is_explained_next_to_its_field(client, administrator, open_campaign, make_user, submit):
    _orders(submit, make_user, open_campaign, 1)
    client.force_login(administrator)
    page = client.get(URL, {"status": "bogus"}).content.decode()
    assert '<p class="msg error" role="alert">筛选条件无效，下面列出的是全部订单。</p>' in page
    assert 'aria-describedby="id_status_error"' in page and 'id="id_status_error"' in page
    assert len(_rows(page)) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize("params", [{}, {"status": "pending"}, {"campaign": "jiangsu"}, {"campaign": "jiangsu",
                                                                                      "status": "pending"}])
@pytest.mark.parametrize("who", ["administrator", "jiangsu_secretariat"])
def test_a_page_reads_its_orders_from_an_index_alone_without_sorting_them(client, request, who, params,
                                                                          jiangsu_campaign, make_user, submit):
    _orders(submit, make_user, jiangsu_campaign, 3)
    client.force_login(request.getfixturevalue(who))
    if "campaign" in params:
        params = {**params, "campaign": jiangsu_campaign.pk}
    client.get(URL, params)
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL, {**params, "page": 1})
    sql = _page_query(ctx.captured_queries)
    with connection.cursor() as cursor:
        # A test database holds a handful of orders, where scanning and sorting them is cheapest; with 10,000 the
        # planner prefers an index in list order. Pricing both out shows whether an index can serve the page alone.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    plan = plan if isinstance(plan, list) else json.loads(plan)

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    # The page's pks: a Limit over an Index Only Scan of an `order_*` index, no Sort of the orders under it.
    limit = next(n for n in nodes(plan[0]["Plan"]) if n["Node Type"] == "Limit")
    below = list(nodes(limit))
    assert not [n for n in below if n["Node Type"] == "Sort"], below
    assert [n for n in below if n["Node Type"] == "Index Only Scan" and n["Index Name"].startswith("order_")], below
