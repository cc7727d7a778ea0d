"""A ledger of three branches with hostile names and texts, for the ledger's document tests.

Built from :class:`~coursekit.ledger.data.Member` objects directly, over the
bundled course (``load_course(None)``):

``第一支部`` (roster known)
    the secretary 张书记, who read every module and wrote two reflections;
    ``=HYPERLINK("http://x")``, whose reflection is ``<b>x</b>`` and a second
    line; 赵\\ud800六 (a lone surrogate), whose reflection is 10,000 characters;
    two members who did nothing, one named with NUL and an escape sequence,
    one with a right-to-left override; and 外来, who is not on the roster but
    took part. Times are UTC late in the day, so that the local (Shanghai)
    day is the next one.
``<script>alert(1)</script>`` (roster known)
    two members, neither did anything; no secretary.
no branch (no roster)
    one learner who sent a record.
"""

from __future__ import annotations

from functools import cache

from coursekit import Course, load_course
from coursekit.ledger.data import Branch, Ledger, Member, Written

__all__ = ["LONG", "bundled_course", "hostile_ledger"]

LONG = "长" * 9_990 + "（一万字的心得）"
HYPERLINK_NAME = '=HYPERLINK("http://x")'
CONTROL_NAME = "王\x00\x1b[31m五"
RTL_NAME = "李\u202e四"
SURROGATE_NAME = "赵\ud800六"


@cache
def bundled_course() -> Course:
    return load_course(None)


def hostile_ledger() -> Ledger:
    course = bundled_course()
    every_module = {m.id: "2020-02-03T10:00:00+00:00" for m in course.modules}
    secretary = Member(
        learner="zhang",
        name="张书记",
        role="党支部书记",
        on_roster=True,
        reads=every_module,
        answered=20,
        first_correct=18,
        reflections=(
            Written("a1", "a1-r-masses", "我将组织楼栋党员分组值守。", "2020-02-03T11:00:00+00:00"),
            Written(
                "a1",
                "a1-r-flag",
                "挺身而出。\n\n第二段：带头值守。",
                "2020-02-04T16:30:00+00:00",  # 2月5日 00:30 in Shanghai
            ),
        ),
        first_at="2020-02-02T17:00:00+00:00",  # 2月3日 01:00 in Shanghai
        last_at="2020-02-04T16:30:00+00:00",
    )
    formula = Member(
        learner="formula",
        name=HYPERLINK_NAME,
        on_roster=True,
        reads={"overview": "2020-02-03T09:00:00+00:00"},
        reflections=(
            Written("a1", "a1-r-flag", "<b>x</b>\r\n第二行", "2020-02-03T09:00:00+00:00"),
        ),
        first_at="2020-02-03T09:00:00+00:00",
        last_at="2020-02-03T09:00:00+00:00",
    )
    surrogate = Member(
        learner="zhao",
        name=SURROGATE_NAME,
        on_roster=True,
        reads={"k1": "2020-02-03T09:00:00+00:00"},
        reflections=(Written("k1", "k1-r-calm", LONG, "2020-02-03T09:30:00+00:00"),),
        first_at="2020-02-03T09:00:00+00:00",
        last_at="2020-02-03T09:30:00+00:00",
    )
    control = Member(learner="wang", name=CONTROL_NAME, on_roster=True)
    rtl = Member(learner="li", name=RTL_NAME, on_roster=True)
    outsider = Member(
        learner="guest",
        name="外来",
        on_roster=False,
        reads={"overview": "2020-02-03T09:00:00+00:00"},
        first_at="2020-02-03T09:00:00+00:00",
        last_at="2020-02-03T09:00:00+00:00",
    )
    first = Branch(
        name="第一支部",
        members=(secretary, formula, control, surrogate, rtl, outsider),
        roster_known=True,
    )
    idle = Branch(
        name="<script>alert(1)</script>",
        members=(
            Member(learner="a", name="甲", on_roster=True),
            Member(learner="b", name="乙", role="副书记", on_roster=True),
        ),
        roster_known=True,
    )
    unplaced = Branch(
        name=None,
        members=(
            Member(
                learner="solo",
                name="独行",
                on_roster=None,
                reads={"overview": "2020-02-10T01:00:00+00:00"},
                first_at="2020-02-10T01:00:00+00:00",
                last_at="2020-02-10T01:00:00+00:00",
            ),
        ),
        roster_known=False,
    )
    return Ledger(course=course, branches=(first, idle, unplaced), source="records (3 files)")
