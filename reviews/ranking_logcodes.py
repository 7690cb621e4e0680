"""Stable audit codes of stage moves, shortlist, defense and ranking, with their display labels."""

LABELS = {
    # Application stage moves (the subject is the application, so 我的认证 shows them).
    "reviews.application.exam_started": "进入笔试环节",
    "reviews.application.shortlisted": "入围答辩",
    "reviews.application.not_shortlisted": "未入围答辩",
    "reviews.application.certified": "认证通过（成绩已公布）",
    "reviews.application.not_certified": "未通过认证（成绩已公布）",
    # Shortlist round.
    "reviews.shortlist.computing": "开始计算入围答辩名单",
    "reviews.shortlist.computed": "入围答辩名单已计算",
    "reviews.shortlist.failed": "入围答辩名单计算失败",
    "reviews.shortlist.confirmed": "确认入围答辩名单",
    "reviews.shortlist.released": "公布入围答辩名单",
    # Ranking round.
    "reviews.ranking.computing": "开始计算成绩排名",
    "reviews.ranking.computed": "成绩排名已计算",
    "reviews.ranking.failed": "成绩排名计算失败",
    "reviews.ranking.published": "公布认证结果",
    # Defense.
    "reviews.defense.panel_created": "创建答辩组",
    "reviews.defense.member_added": "答辩组增加评委",
    "reviews.defense.slot_created": "创建答辩时段",
    "reviews.defense.scheduled": "安排答辩时段",
    "reviews.defense.announced": "发送答辩安排通知",
    "reviews.defense.scored": "评委提交答辩评分",
    "reviews.defense.absent": "答辩缺席",
    "reviews.defense.aggregated": "答辩成绩汇总",
    "reviews.defense.settings_changed": "修改答辩计分规则",
}
