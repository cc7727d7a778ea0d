"""The message catalogue: every piece of UI text, in Chinese (the default) and English.

Widget and static-HTML code never write UI text themselves; they ask
:func:`msg` for it by key. Fields in braces are filled with ``str.format``.
Course content (titles, prompts, options) is not UI text and is never
translated here.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["CATALOGUE", "LANGS", "Lang", "check_lang", "msg"]

Lang = Literal["zh", "en"]
LANGS: Final = ("zh", "en")

_ZH: Final[dict[str, str]] = {
    "format.date": "{year}年{month}月{day}日",
    "format.sep": "、",
    "format.pair_sep": "；",
    # reader
    "reader.source": "来源：{source}",
    "reader.published": "日期：{date}",
    "reader.issuer": "发布：{issuer}",
    "reader.byline": "{byline}",
    "reader.category": "类别：{category}",
    "reader.reading_time": "约 {minutes} 分钟读完（共 {chars} 字，按每分钟 {rate} 字计）",
    "reader.smaller": "A−",
    "reader.smaller_tip": "缩小字号",
    "reader.larger": "A+",
    "reader.larger_tip": "放大字号",
    "reader.prev": "上一页",
    "reader.next": "下一页",
    "reader.page": "第 {page} / {pages} 页",
    "reader.progress": "阅读进度",
    "reader.done": "我已读完",
    "reader.done_tip": "记录本篇已读完",
    "reader.done_at": "已于 {time} 读完本篇。",
    "reader.not_done": "读完全文后，请点击“我已读完”。",
    "reader.glossary": "术语",
    "reader.glossary_pick": "查术语",
    "reader.glossary_none": "（选择一个术语查看释义）",
    "reader.section_untitled": "正文",
    # checkpoints
    "type.single": "单选题",
    "type.multiple": "多选题",
    "type.truefalse": "判断题",
    "type.fill": "填空题",
    "type.order": "排序题",
    "type.match": "匹配题",
    "checkpoint.number": "第 {number} 题",
    "checkpoint.choose": "选择答案",
    "checkpoint.choose_many": "选择所有正确答案",
    "checkpoint.true": "正确",
    "checkpoint.false": "错误",
    "checkpoint.fill": "填空",
    "checkpoint.fill_placeholder": "在此填写答案",
    "checkpoint.order_hint": "用“上移”“下移”把各项排成正确的顺序。",
    "checkpoint.order_hint_print": "按正确的顺序写出各项的字母。",
    "checkpoint.match_hint_print": "在每一项后写出对应类别的字母。",
    "checkpoint.up": "上移",
    "checkpoint.down": "下移",
    "checkpoint.up_tip": "上移：{item}",
    "checkpoint.down_tip": "下移：{item}",
    "checkpoint.match_hint": "为每一项选择对应的类别。",
    "checkpoint.match_none": "（请选择）",
    "checkpoint.submit": "提交",
    "checkpoint.reveal": "显示答案",
    "checkpoint.reveal_tip": "作答 {n} 次后可显示答案",
    "checkpoint.correct": "回答正确。",
    "checkpoint.incorrect": "回答不正确，请再试一次。",
    "checkpoint.incomplete": "请先作答再提交。",
    "checkpoint.reread": "请重读{place}。",
    "checkpoint.answer": "答案：{answer}",
    "checkpoint.explanation": "解析：{explanation}",
    "checkpoint.evidence": "见{place}：“{quote}”",
    "checkpoint.attempts": "已作答 {n} 次。",
    "checkpoint.last_attempt": "上次作答：{time}",
    "checkpoint.selfcheck": "自查答案",
    "checkpoint.answer_lines": "答：",
    "checkpoint.fill_also": "（也可写作：{variants}）",
    "checkpoint.why_wrong": "{option}：{why}",
    "checkpoint.why_wrong_title": "为什么不选其他答案",
    "checkpoint.your_choice": "你的答案“{option}”：{why}",
    "glossary.places": "（见{places}）",
    "glossary.general": "常识（学习材料以外）：",
    "glossary.source": "来源：{source}",
    # front-matter fields that evidence may cite
    "meta.published": "发布时间",
    "meta.title": "标题",
    "meta.source": "来源",
    "meta.issuer": "发文单位",
    "meta.byline": "署名",
    "checkpoint.score": "得分：答对 {correct} / {total} 题（已作答 {answered} 题）。",
    "checkpoint.set_title": "检查题",
    "checkpoint.answer_key": "参考答案",
    "checkpoint.none": "本模块没有检查题。",
    # reflections
    "reflection.title": "学习体会",
    "reflection.guidance": "提示：{guidance}",
    "reflection.min": "建议至少写 {n} 字。",
    "reflection.answer": "我的体会",
    "reflection.placeholder": "在此写下你的体会",
    "reflection.count": "已写 {chars} 字（建议至少 {min} 字）",
    "reflection.count_words": "已写 {chars} 字、{words} 个英文词（建议至少 {min} 字）",
    "reflection.save": "保存",
    "reflection.save_tip": "立即保存体会",
    "reflection.saved_at": "已于 {time} 保存。",
    "reflection.unsaved": "有尚未保存的修改……",
    "reflection.not_saved": "尚未保存。",
    # learner store faults (what a learner reads when the store fails)
    "store.failed": "无法{doing}学习记录库 {path}：{reason}",
    "store.failed_here": "无法{doing}学习记录库：{reason}",
    "store.doing.open": "打开",
    "store.doing.read": "读取",
    "store.doing.write": "写入",
    "store.doing.close": "关闭",
    "store.cause": "{reason}（{detail}）",
    "store.reason.full": "磁盘空间已满，学习记录库无法再写入",
    "store.reason.readonly": "学习记录库或它所在的文件夹是只读的，无法写入",
    "store.reason.corrupt": "学习记录库文件已损坏",
    "store.reason.notadb": "这个文件不是学习记录库，或已严重损坏",
    "store.reason.ioerr": "读写磁盘时出错",
    "store.reason.cantopen": "学习记录库文件无法打开",
    "store.reason.busy": "学习记录库被其他程序长时间占用",
    "store.reason.notfile": "学习记录库的位置 {path} 不是一个普通文件",
    "store.reason.empty": (
        "学习记录库文件 {path} 是空的（0 字节），原有记录可能已经丢失。"
        "请把这个文件移走，再重新运行本页；如果导出过学习记录，可以再导入"
    ),
    "store.reason.newer": (
        "这个学习记录库由较新版本的 coursekit 创建（库版本 {store_version}，"
        "本程序支持 {code_version}），请升级 coursekit 后再使用"
    ),
    "store.reason.other": "学习记录库出错",
    "store.reason.folder": "无法建立学习记录库所在的文件夹",
    "store.reason.server": "连不上学习记录库所在的数据库服务器",
    "store.reason.auth": "数据库服务器拒绝了登录（用户名或密码不对）",
    "store.reason.denied": "数据库账号没有读写学习记录库的权限",
    "store.reason.nohub": (
        "本页不在 JupyterHub 中运行（没有 JUPYTERHUB_API_TOKEN 或 JUPYTERHUB_USER）"
    ),
    "store.reason.refused": "学习记录服务拒绝了这次保存",
    "store.reason.learner": (
        "在 JupyterHub 上只能以自己的账号 {user} 学习，不能以 {name} 的名义保存"
    ),
    "store.reason.outbox": "无法在本机暂存尚未发送的学习记录 {path}",
    "store.kept": (
        "连不上学习记录服务：{n} 项学习记录已暂存在本机，服务恢复后会自动发送，不会丢失。"
    ),
    "store.unsaved": "未保存：{reason}。内容仍保留在本页，学习记录库恢复后会自动保存。",
    "store.saved_again": "此前未保存的内容现已保存。",
    "store.waiting": "（另有 {n} 项尚未保存）",
    "store.unreadable": "无法读取此前的学习记录：{reason}。",
    "store.retry": "重新保存",
    "store.retry_tip": "把未保存的内容再保存一次",
    "store.learner_unsaved": "学员：{name}。{problem}",
    "store.export_unsaved": "其中 {n} 项尚未存入学习记录库，已一并导出。",
    "store.export_partial": (
        "学习记录库无法读取（{reason}），导出的记录只含本页中尚未保存的 {n} 项。"
    ),
    "store.export_failed": "无法导出学习记录：{reason}。",
    "store.import_unsaved": "{file} 中的学习记录尚未导入。{problem}",
    # learner, progress
    "learner.name": "姓名",
    "learner.placeholder": "请输入你的姓名",
    "learner.start": "开始学习",
    "learner.ask": "请先填写姓名，学习记录会按姓名保存。",
    "learner.hello": "学员：{name}。学习记录会自动保存。",
    "learner.hub": "学员：{name}（JupyterHub 账号 {user}）。学习记录会自动保存。",
    "learner.empty": "姓名不能为空。",
    "learner.needed": "请先在页面上方填写或确认姓名，再作答。",
    "progress.title": "学习进度",
    "progress.module": "本模块进度",
    "progress.course": "全课程进度",
    "progress.read": "已读完",
    "progress.unread": "未读完",
    "progress.line": (
        "阅读：{read}；检查题：已答 {answered} / {total}，答对 {correct}；"
        "体会：已写 {written} / {reflections}"
    ),
    "progress.static": "本模块：阅读 1 篇，检查题 {checkpoints} 道，学习体会 {reflections} 则。",
    "progress.static_course": "本课程共 {modules} 个模块。",
    "progress.col_module": "模块",
    "progress.col_read": "阅读",
    "progress.col_checkpoints": "检查题（答对 / 共）",
    "progress.col_reflections": "体会（已写 / 共）",
    "progress.overall": "总进度",
    # learner record
    "record.title": "我的学习记录",
    "record.export": "导出学习记录",
    "record.export_tip": "生成学习记录文件，下载后发给培训者",
    "record.ready": "学习记录已生成（{time}）。请下载并发送给培训者：",
    "record.json": "下载学习记录（JSON，发给培训者）",
    "record.html": "下载可阅读版（HTML，手机可打开）",
    "record.import": "导入我的学习记录",
    "record.import_tip": "在新的学习环境中恢复此前导出的学习记录",
    "record.imported": (
        "已导入 {learner} 的学习记录：新增阅读 {reads} 项、作答 {attempts} "
        "次、体会 {reflections} 则。请重新运行本页以显示恢复的内容。"
    ),
    "record.refused": "无法导入 {file}：{reason}",
    "record.retired": "记录中有 {count} 项内容已不在本课程中：已一并保留，但不计入进度。",
    "record.no_learner": "请先填写姓名，再导出学习记录。",
    "record.static": (
        "在 JupyterLab 或 Voilà 中学习时，可点击“导出学习记录”保存全部作答和体会，"
        "并发送给培训者；换用新的学习环境时，可用“导入我的学习记录”恢复。"
    ),
    # a learner's answer in words (record page, report)
    "answer.true": "对",
    "answer.false": "错",
    "answer.none": "（未作答）",
    "answer.order_sep": " → ",
    "answer.pair": "{key}：{value}",
    "format.none": "—",
    # the record page (a learner's record, for the learner's phone)
    "record.page_title": "学习记录 · {learner}",
    "record.heading": "学习记录：{learner}",
    "record.module": "{label}《{title}》",
    "record.course": "{title}（内容版本 {version}）",
    "record.last": "最近学习：{time}",
    "record.read_at": "阅读：已读完（{time}）",
    "record.unread": "阅读：未读完",
    "record.col_prompt": "题目",
    "record.col_answer": "作答",
    "record.col_result": "结果",
    "record.col_time": "时间",
    "record.ok": "✓ 正确",
    "record.no": "✗ 错误",
    "record.gone": "已不在课程中",
    "record.checksum": "校验码 {checksum}",
    # the trainer's cohort report
    "report.page_title": "学习情况报告 · {course}",
    "report.title": "学习情况报告",
    "report.counts": "有效学习记录 {used} 份；跳过 {skipped} 份。",
    "report.private": "本报告仅供培训者使用，请勿发布到学员讲义网站。",
    "report.reading": "阅读完成情况",
    "report.completion": "学员完成情况",
    "report.cell": "{read} · 答对{correct}",
    "report.cell_read": "✓读",
    "report.cell_unread": "未读",
    "report.none": "尚无有效记录。",
    "report.checkpoints": "检查题：首次作答正确率与常见错误",
    "report.reflections": "心得体会摘编（供线上交流）",
    "report.reflection_head": "{module}：{prompt}",
    "report.reflection_stats": "{responses} 人作答，中位长度 {median} 字。",
    "report.more": "……",
    "report.older": "旧版本课程内容的学习记录",
    "report.older_note": "当前内容版本 {version}。以下记录来自旧版本，已按当前答案重新评分。",
    "report.retired": "已不在课程中的作答（不计入统计）",
    "report.skipped": "跳过的文件",
    "report.wrong_count": "{answer}（{count}）",
    "report.col_module": "模块",
    "report.col_title": "标题",
    "report.col_read": "读完人数",
    "report.col_share": "比例",
    "report.col_learner": "学员",
    "report.col_prompt": "题目",
    "report.col_learners": "作答人数",
    "report.col_first": "首次正确率",
    "report.col_wrong": "常见错误答案",
    "report.col_file": "文件",
    "report.col_version": "内容版本",
    "report.col_kind": "类型",
    "report.col_item": "编号",
    "report.col_reason": "原因",
    "report.no_branch": "未填支部",
    "report.name_and_id": "{name}（{id}）",
    "report.branches": "各支部参学情况（按参学率排序）",
    "report.branches_note": (
        "参学率＝有学习记录的党员占支部党员的比例；完成率＝读完全部模块的党员所占比例；"
        "首次正确率按各题第一次作答计算。"
    ),
    "report.col_rank": "排名",
    "report.col_branch": "支部",
    "report.col_members": "党员数",
    "report.col_participants": "参学人数",
    "report.col_participation": "参学率",
    "report.col_completion": "完成率",
    "report.col_reflections": "心得篇数",
    "report.kind.module": "模块",
    "report.kind.checkpoint": "检查题",
    "report.kind.reflection": "心得体会",
    # published site
    "site.handout": "学习讲义",
    "site.worksheet": "练习纸",
    "site.trainer": "培训者指南",
    "site.index": "目录",
    "site.prev": "上一篇",
    "site.next": "下一篇",
    "site.prev_to": "上一篇：{label}",
    "site.next_to": "下一篇：{label}",
    "site.nav": "页面导航",
    "site.nav_bottom": "页尾导航",
    "site.variants": "本篇：",
    "site.issuer": "印发：{issuer}",
    "site.date": "日期：{date}",
    "site.format": "学习方式",
    "site.mode": "方式：{mode}",
    "site.online": "在线交流：{online}",
    "site.schedule": "时间：{schedule}",
    "site.categories": "学习内容",
    "site.requirements": "工作要求",
    "site.organisations": "对各级党组织",
    "site.members": "对党员",
    "site.modules": "学习模块",
    "site.minutes": "（建议 {minutes} 分钟）",
    "site.unavailable": "本篇暂未生成，请稍后再看。",
    "site.offline": "本站所有页面均可离线阅读，不收集任何个人信息。",
    "site.sep": "、",
    "site.timeline": "时间线",
    # trainer dashboard
    "dashboard.refresh": "刷新",
    "dashboard.status": "学习记录文件夹：{folder}；有效记录 {used} 份，跳过 {skipped} 份。",
    "dashboard.status_store": "学习记录库：{store}；有学习记录的学员 {used} 人。",
    "dashboard.status_service": "学习记录服务（{scope}）：有学习记录的学员 {used} 人。",
    "dashboard.scope_all": "全部支部",
    "dashboard.scope_branches": "支部：{branches}",
    "dashboard.branches_title": "各支部参学情况（按参学率排序）",
    "dashboard.skipped": "跳过 {file}：{reason}",
    "dashboard.reading_title": "阅读完成情况",
    "dashboard.completion_title": "各学员答对题数",
    "dashboard.checkpoints_title": "检查题：有人作答的题，首次即答对的比例由低到高",
    "dashboard.reflections_title": "学习体会摘编",
    "dashboard.learner": "学员",
    "dashboard.share": "读完比例",
    "dashboard.read": "读完人数",
    "dashboard.correct": "答对",
    "dashboard.prompt": "题目",
    "dashboard.learners": "作答人数",
    "dashboard.first": "首次即答对的人数比例",
    "dashboard.wrong": "常见错误答案（人数）",
    "dashboard.responses": "写了体会的人数",
    "dashboard.median": "中位字数",
    "dashboard.module": "篇目",
    "dashboard.title": "标题",
    "dashboard.excerpts": "摘录",
    # trainer notes
    "trainer.title": "辅导提示",
    "trainer.key_points": "要点",
    "trainer.discussion": "讨论题",
    "trainer.misreadings": "常见误读",
    "trainer.minutes": "建议用时：{minutes} 分钟",
    # issue 14 · the static site, its handouts and print
    "site.named": "{label}《{title}》",
    "site.prev_named": "上一篇：{named}",
    "site.next_named": "下一篇：{named}",
    "site.start": "从这里开始",
    "site.start_text": "先读通知，了解本期学什么、怎么学；再按下面的顺序逐篇学习。",
    "site.start_pages": "每篇都有学习讲义（可自查答案）和练习纸（可打印）。",
    "site.order": "学习顺序",
    "site.category_of": "类别：{category}",
    "site.category_modules": "：{labels}",
    "site.live_binder": "在线学习（Binder）",
    "site.live_hub": "在线学习（JupyterHub）",
    "site.trainer_entry": "培训者入口：培训者指南和参考答案",
    "site.trainer_entry_note": "（含答案，仅供培训者使用）",
    "site.trainer_index": "培训者目录",
    "site.learner_index": "学员目录",
    "site.trainer_heading": "培训者指南 · {title}",
    "site.trainer_warning": (
        "本页和各篇培训者指南载有参考答案和辅导提示，供培训者备课和组织交流使用，请勿发给学员。"
    ),
    "site.trainer_guides": "各篇培训者指南",
    "site.print_title": "打印练习纸",
    "site.print_text": (
        "每篇练习纸的参考答案从新的一页开始，页首写有“{heading}”。"
        "打印给学员时，在打印对话框中只选这一页之前的页码。"
    ),
    "worksheet.print_note": (
        "打印提示（只在屏幕上显示）：参考答案从新的一页开始，"
        "页首写有“{heading}”。发给学员时，只打印此前各页。"
    ),
    "checkpoint.answer_key_trainer": "参考答案 · 培训者用 · 发放时请勿附上",
    "checkpoint.cite": "见{place}",
    "checkpoint.cite_quote": "见{place}：“{quote}”",
    # issue 14 · live widgets, identity and times (helper C)
    "format.datetime": "{month}月{day}日 {clock}",
    "learner.returning": "继续学习：{name}？",
    "learner.continue": "继续",
    "learner.continue_tip": "以 {name} 的身份继续学习",
    "learner.other": "换一个人",
    "learner.other_tip": "不是 {name}：填写你自己的姓名",
    "learner.switch": "换人",
    "learner.switch_tip": "换一位学员在这台设备上学习",
    "record.unexported": "有未导出的学习记录：导出并发给培训者，学习才算交上。",
    "record.export_now": "立即导出",
    "record.export_now_tip": "生成学习记录文件，并在这里给出下载按钮",
    "checkpoint.reveal_locked": "作答 {n} 次后可查看答案（已作答 {done} 次）",
    "checkpoint.cite_live": "查看{place}",
    "checkpoint.cite_tip": "把{place}显示在这里，并在正文中标出",
    "checkpoint.cited_here": "{place}（上方正文已翻到第 {page} 页，该段已标出）",
    "checkpoint.cited_open": "打开{label}，从 ¶{paragraph} 读起",
    "reader.cited": "¶{paragraph} 是检查题所引的段落，已标出。",
    # issue 14 · interactive handout (the learner handout's inline script)
    "handout.learner": "学员：{name}",
    "handout.change": "换一个人",
    "handout.saved_here": "进度只保存在本浏览器中：请及时下载学习记录，发送给培训者。",
    "handout.no_storage": "本浏览器不能保存进度：关闭本页之前，请下载学习记录。",
    "handout.your_answer": "你的答案——{line}",
    "handout.download": "下载学习记录",
    "handout.downloaded": "已于 {time} 下载 {file}",
    "handout.file": "学习记录-{learner}.json",
    "handout.no_seal": "本页需从 https 网址或本机文件打开，才能生成学习记录。",
    # issue 14 · course shell (start page, module navigation, Voilà page, trainer's JupyterLab)
    "shell.tab_title": "{label} · {title}",
    "shell.start_tab_title": "从这里开始 · {course}",
    "shell.loading": "正在打开学习内容，请稍候……",
    "shell.contents": "← 课程目录",
    "shell.position": "第 {position} 篇，共 {total} 篇",
    "shell.module_welcome": (
        "先阅读原文，再做检查题，最后写下学习体会。作答会自动保存；"
        "离开之前，请在页面末尾导出学习记录，发给培训者。"
    ),
    "shell.previous": "上一篇：",
    "shell.next": "下一篇：",
    "shell.last": "这是最后一篇。学完后请回到课程目录，导出学习记录发给培训者。",
    "shell.back": "返回课程目录",
    "shell.welcome": (
        "欢迎参加本期学习。共 {modules} 篇学习材料，请从“{first}”开始，按顺序学习："
        "每篇先读原文，再做检查题、写学习体会。作答会自动保存在本机。"
    ),
    "shell.run_all": "在 JupyterLab 中打开时，请先运行全部单元格：菜单“运行 → 运行所有单元格”。",
    "shell.parameters_note": "本页的设置：显示哪一篇、用哪种语言（coursekit build 填写，无需改动）",
    "shell.injected_note": "本页的设置（由 papermill 填入）",
    "shell.modules_title": "学习内容",
    "shell.col_module": "篇目",
    "shell.col_progress": "我的进度",
    "shell.not_started": "未开始",
    "shell.progress": (
        "{read}；检查题答对 {correct} / {checkpoints}；体会 {written} / {reflections}"
    ),
    "shell.done": "已完成",
    "shell.overall": "已完成 {done} / {total} 篇",
    "trainer.view_title": "培训者视图",
    "trainer.view_pick": "模块",
    "trainer.view_open": "打开本篇的学员视图：{label} {title}",
    "trainer.view_none": "本篇没有辅导提示。",
    "dashboard.upload": "上传学习记录",
    "dashboard.upload_tip": "选择学员发来的学习记录（JSON 或 zip 压缩包），保存到学习记录文件夹",
    "dashboard.saved": "已保存 {file}（{learner}）。",
    "dashboard.saved_zip": "已保存压缩包 {file}；其中的记录在下面的表格中逐份检查。",
    "dashboard.same": "{file} 已在文件夹中，未重复保存。",
    "dashboard.refused": "未保存 {file}：{reason}",
    "dashboard.wrong_type": "只接受 .json 学习记录或 .zip 压缩包",
    "dashboard.too_large": "文件过大（{size} 字节，上限 {limit} 字节）",
    "dashboard.unanswered_title": "尚无人作答的检查题（{count} 道）",
    "dashboard.counting": "除“各学员答对题数”外，表中的数都是人数：每位学员只计一次。",
    "dashboard.col_correct": "{label}（共 {n} 题）",
}

_EN: Final[dict[str, str]] = {
    "format.date": "{iso}",
    "format.sep": ", ",
    "format.pair_sep": "; ",
    "reader.source": "Source: {source}",
    "reader.published": "Date: {date}",
    "reader.issuer": "Issued by: {issuer}",
    "reader.byline": "{byline}",
    "reader.category": "Category: {category}",
    "reader.reading_time": (
        "About {minutes} min to read ({chars} characters at {rate} characters a minute)"
    ),
    "reader.smaller": "A−",
    "reader.smaller_tip": "Smaller text",
    "reader.larger": "A+",
    "reader.larger_tip": "Larger text",
    "reader.prev": "Previous page",
    "reader.next": "Next page",
    "reader.page": "Page {page} of {pages}",
    "reader.progress": "Reading",
    "reader.done": "I have read it",
    "reader.done_tip": "Record that you have read this text",
    "reader.done_at": "Read at {time}.",
    "reader.not_done": "When you have read the whole text, click “I have read it”.",
    "reader.glossary": "Terms",
    "reader.glossary_pick": "Look up",
    "reader.glossary_none": "(choose a term to see its definition)",
    "reader.section_untitled": "Text",
    "type.single": "Single choice",
    "type.multiple": "Multiple choice",
    "type.truefalse": "True or false",
    "type.fill": "Fill in the blank",
    "type.order": "Put in order",
    "type.match": "Match",
    "checkpoint.number": "Question {number}",
    "checkpoint.choose": "Your answer",
    "checkpoint.choose_many": "Tick every right answer",
    "checkpoint.true": "True",
    "checkpoint.false": "False",
    "checkpoint.fill": "Blank",
    "checkpoint.fill_placeholder": "Type your answer here",
    "checkpoint.order_hint": "Use “Up” and “Down” to put the items in the right order.",
    "checkpoint.order_hint_print": "Write the items' letters in the right order.",
    "checkpoint.match_hint_print": "After each item, write the letter of its option.",
    "checkpoint.up": "Up",
    "checkpoint.down": "Down",
    "checkpoint.up_tip": "Move up: {item}",
    "checkpoint.down_tip": "Move down: {item}",
    "checkpoint.match_hint": "Choose the matching option for each item.",
    "checkpoint.match_none": "(choose)",
    "checkpoint.submit": "Submit",
    "checkpoint.reveal": "Show answer",
    "checkpoint.reveal_tip": "The answer can be shown after {n} attempts",
    "checkpoint.correct": "Correct.",
    "checkpoint.incorrect": "Not correct. Try again.",
    "checkpoint.incomplete": "Answer the question before you submit.",
    "checkpoint.reread": "Reread {place}.",
    "checkpoint.answer": "Answer: {answer}",
    "checkpoint.explanation": "Explanation: {explanation}",
    "checkpoint.evidence": "See {place}: “{quote}”",
    "checkpoint.attempts": "Attempts so far: {n}.",
    "checkpoint.last_attempt": "Last attempt: {time}",
    "checkpoint.selfcheck": "Check your answer",
    "checkpoint.answer_lines": "Answer:",
    "checkpoint.fill_also": "(also accepted: {variants})",
    "checkpoint.why_wrong": "{option}: {why}",
    "checkpoint.why_wrong_title": "Why not the other answers",
    "checkpoint.your_choice": "Your answer “{option}”: {why}",
    "glossary.places": " (see {places})",
    "glossary.general": "General knowledge (beyond the packet): ",
    "glossary.source": "Source: {source}",
    "meta.published": "date",
    "meta.title": "title",
    "meta.source": "source",
    "meta.issuer": "issuer",
    "meta.byline": "byline",
    "checkpoint.score": "Score: {correct} of {total} right ({answered} answered).",
    "checkpoint.set_title": "Checkpoints",
    "checkpoint.answer_key": "Answer key",
    "checkpoint.none": "This module has no checkpoints.",
    "reflection.title": "Reflection",
    "reflection.guidance": "Guidance: {guidance}",
    "reflection.min": "Write at least {n} characters.",
    "reflection.answer": "My reflection",
    "reflection.placeholder": "Write your reflection here",
    "reflection.count": "{chars} characters written (at least {min} suggested)",
    "reflection.count_words": (
        "{chars} Chinese characters and {words} words written (at least {min} suggested)"
    ),
    "reflection.save": "Save",
    "reflection.save_tip": "Save your reflection now",
    "reflection.saved_at": "Saved at {time}.",
    "reflection.unsaved": "Unsaved changes…",
    "reflection.not_saved": "Not saved yet.",
    # learner store faults (what a learner reads when the store fails)
    "store.failed": "Cannot {doing} the learner store {path}: {reason}",
    "store.failed_here": "Cannot {doing} the learner store: {reason}",
    "store.doing.open": "open",
    "store.doing.read": "read",
    "store.doing.write": "write to",
    "store.doing.close": "close",
    "store.cause": "{reason} ({detail})",
    "store.reason.full": "the disk is full, so the learner store cannot take more",
    "store.reason.readonly": "the learner store or its folder is read-only",
    "store.reason.corrupt": "the learner store file is damaged",
    "store.reason.notadb": "the file is not a learner store, or it is badly damaged",
    "store.reason.ioerr": "the disk could not be read or written",
    "store.reason.cantopen": "the learner store file cannot be opened",
    "store.reason.busy": "another program kept the learner store locked for too long",
    "store.reason.notfile": "{path}, where the learner store belongs, is not a regular file",
    "store.reason.empty": (
        "the learner store file {path} is empty (0 bytes), so its records may be lost. "
        "Move the file away and run this page again; import your record if you exported one"
    ),
    "store.reason.newer": (
        "this learner store was made by a newer coursekit (store version {store_version}, "
        "this program supports {code_version}); upgrade coursekit to use it"
    ),
    "store.reason.other": "the learner store failed",
    "store.reason.folder": "the folder for the learner store cannot be made",
    "store.reason.server": "the database server that holds the learner store cannot be reached",
    "store.reason.nohub": (
        "this page is not running under JupyterHub (no JUPYTERHUB_API_TOKEN or JUPYTERHUB_USER)"
    ),
    "store.reason.refused": "the coursekit service refused to save this",
    "store.reason.learner": (
        "on JupyterHub you study as your own account, {user}, and cannot save as {name}"
    ),
    "store.reason.outbox": "cannot keep unsent work on this machine in {path}",
    "store.kept": (
        "The coursekit service cannot be reached: {n} item(s) of your work are kept on this "
        "machine and will be sent when it is back; nothing is lost."
    ),
    "store.reason.auth": "the database server refused the login (wrong user or password)",
    "store.reason.denied": "the database account may not read or write the learner store",
    "store.unsaved": (
        "Not saved: {reason}. Your work stays on this page and is saved once the learner "
        "store works again."
    ),
    "store.saved_again": "What was not saved before is saved now.",
    "store.waiting": " ({n} more not saved yet)",
    "store.unreadable": "Your earlier work cannot be read: {reason}.",
    "store.retry": "Save again",
    "store.retry_tip": "Try again to save what was not saved",
    "store.learner_unsaved": "Learner: {name}. {problem}",
    "store.export_unsaved": "{n} items not yet in the learner store are included.",
    "store.export_partial": (
        "The learner store cannot be read ({reason}); the record holds only the {n} unsaved "
        "items on this page."
    ),
    "store.export_failed": "Cannot export your record: {reason}.",
    "store.import_unsaved": "The record in {file} is not imported yet. {problem}",
    "learner.name": "Name",
    "learner.placeholder": "Type your name",
    "learner.start": "Start",
    "learner.ask": "Type your name first; your work is saved under it.",
    "learner.hello": "Learner: {name}. Your work is saved as you go.",
    "learner.hub": "Learner: {name} (JupyterHub account {user}). Your work is saved as you go.",
    "learner.empty": "The name cannot be empty.",
    "learner.needed": "Type or confirm your name at the top of the page before you answer.",
    "progress.title": "Progress",
    "progress.module": "This module",
    "progress.course": "The whole course",
    "progress.read": "read",
    "progress.unread": "not read yet",
    "progress.line": (
        "Text: {read}; checkpoints: {answered} of {total} answered, {correct} right; "
        "reflections: {written} of {reflections} written"
    ),
    "progress.static": (
        "This module: one text, {checkpoints} checkpoints, {reflections} reflection prompts."
    ),
    "progress.static_course": "The course has {modules} modules.",
    "progress.col_module": "Module",
    "progress.col_read": "Text",
    "progress.col_checkpoints": "Checkpoints (right / all)",
    "progress.col_reflections": "Reflections (written / all)",
    "progress.overall": "Overall",
    "record.title": "My learning record",
    "record.export": "Export my record",
    "record.export_tip": "Make a file of your learning record to download and send to your trainer",
    "record.ready": "Your record is ready ({time}). Download it and send it to your trainer:",
    "record.json": "Download the record (JSON, for the trainer)",
    "record.html": "Download a readable copy (HTML, opens on a phone)",
    "record.import": "Import my record",
    "record.import_tip": "Restore a record you exported before, in a new session",
    "record.imported": (
        "Imported the record of {learner}: {reads} reads,"
        " {attempts} attempts and {reflections} reflections "
        "added. Run this page again to see them."
    ),
    "record.refused": "Cannot import {file}: {reason}",
    "record.retired": (
        "{count} items in the record are no longer in this course: kept, but not counted "
        "in your progress."
    ),
    "record.no_learner": "Enter your name first, then export your record.",
    "record.static": (
        'When you study in JupyterLab or Voilà, "Export my record" saves all your answers and '
        'reflections to send to your trainer; "Import my record" restores them in a new session.'
    ),
    "answer.true": "True",
    "answer.false": "False",
    "answer.none": "(no answer)",
    "answer.order_sep": " → ",
    "answer.pair": "{key}: {value}",
    "format.none": "—",
    "record.page_title": "Learning record · {learner}",
    "record.heading": "Learning record: {learner}",
    "record.module": "{label}: {title}",
    "record.course": "{title} (content version {version})",
    "record.last": "Last studied: {time}",
    "record.read_at": "Text: read ({time})",
    "record.unread": "Text: not read yet",
    "record.col_prompt": "Question",
    "record.col_answer": "Answer",
    "record.col_result": "Result",
    "record.col_time": "Time",
    "record.ok": "✓ right",
    "record.no": "✗ wrong",
    "record.gone": "no longer in the course",
    "record.checksum": "Checksum {checksum}",
    "report.page_title": "Learning report · {course}",
    "report.title": "Learning report",
    "report.counts": "{used} records used; {skipped} skipped. ",
    "report.private": "This report is for trainers only: never publish it on the learners' site.",
    "report.reading": "Reading",
    "report.completion": "Learners",
    "report.cell": "{read} · {correct} right",
    "report.cell_read": "✓ read",
    "report.cell_unread": "not read",
    "report.none": "No valid records yet.",
    "report.checkpoints": "Checkpoints: right at the first try, and the commonest wrong answers",
    "report.reflections": "Reflections digest (for the online exchange)",
    "report.reflection_head": "{module}: {prompt}",
    "report.reflection_stats": "{responses} responses, median length {median} characters.",
    "report.more": "…",
    "report.older": "Records of an older version of the course",
    "report.older_note": (
        "The current content version is {version}. These records come from an older version "
        "and were graded again with the current answers."
    ),
    "report.retired": "Work on items no longer in the course (not counted)",
    "report.skipped": "Files skipped",
    "report.wrong_count": "{answer} ({count})",
    "report.col_module": "Module",
    "report.col_title": "Title",
    "report.col_read": "Read",
    "report.col_share": "Share",
    "report.col_learner": "Learner",
    "report.col_prompt": "Question",
    "report.col_learners": "Learners",
    "report.col_first": "Right at first try",
    "report.col_wrong": "Commonest wrong answers",
    "report.col_file": "File",
    "report.col_version": "Content version",
    "report.col_kind": "Kind",
    "report.col_item": "Id",
    "report.col_reason": "Reason",
    "report.no_branch": "no branch given",
    "report.name_and_id": "{name} ({id})",
    "report.branches": "Branches, ranked by participation",
    "report.branches_note": (
        "Participation: the share of a branch's members who studied at all; completion: the "
        "share who read every module; first-try accuracy counts each member's first answer."
    ),
    "report.col_rank": "Rank",
    "report.col_branch": "Branch",
    "report.col_members": "Members",
    "report.col_participants": "Studied",
    "report.col_participation": "Participation",
    "report.col_completion": "Completion",
    "report.col_reflections": "Reflections",
    "report.kind.module": "Module",
    "report.kind.checkpoint": "Checkpoint",
    "report.kind.reflection": "Reflection",
    # published site
    "site.handout": "Handout",
    "site.worksheet": "Worksheet",
    "site.trainer": "Trainer guide",
    "site.index": "Contents",
    "site.prev": "Previous",
    "site.next": "Next",
    "site.prev_to": "Previous: {label}",
    "site.next_to": "Next: {label}",
    "site.nav": "Pages",
    "site.nav_bottom": "Pages (end)",
    "site.variants": "This module: ",
    "site.issuer": "Issued by {issuer}",
    "site.date": "Date: {date}",
    "site.format": "How to study",
    "site.mode": "Format: {mode}",
    "site.online": "Online exchange: {online}",
    "site.schedule": "Schedule: {schedule}",
    "site.categories": "Study content",
    "site.requirements": "Requirements",
    "site.organisations": "For Party organisations",
    "site.members": "For Party members",
    "site.modules": "Modules",
    "site.minutes": " ({minutes} min suggested)",
    "site.unavailable": "This module has not been published yet.",
    "site.offline": "Every page works offline; no personal data is collected.",
    "site.sep": ", ",
    "site.timeline": "Timeline",
    "dashboard.refresh": "Refresh",
    "dashboard.status": "Records folder: {folder}; {used} records used, {skipped} skipped.",
    "dashboard.status_store": "Learner store: {store}; {used} learners with work in the course.",
    "dashboard.status_service": (
        "The coursekit service ({scope}): {used} learners with work in the course."
    ),
    "dashboard.scope_all": "every branch",
    "dashboard.scope_branches": "branch {branches}",
    "dashboard.branches_title": "Branches, ranked by participation",
    "dashboard.skipped": "Skipped {file}: {reason}",
    "dashboard.reading_title": "Reading",
    "dashboard.completion_title": "Checkpoints right, per learner",
    "dashboard.checkpoints_title": (
        "Checkpoints somebody answered: share of learners right at the first try, lowest first"
    ),
    "dashboard.reflections_title": "Reflections digest",
    "dashboard.learner": "Learner",
    "dashboard.share": "Share who read it",
    "dashboard.read": "Learners who read it",
    "dashboard.correct": "Right",
    "dashboard.prompt": "Question",
    "dashboard.learners": "Learners",
    "dashboard.first": "Share right at the first try",
    "dashboard.wrong": "Commonest wrong answers (learners)",
    "dashboard.responses": "Learners who wrote",
    "dashboard.median": "Median length",
    "dashboard.module": "Module",
    "dashboard.title": "Title",
    "dashboard.excerpts": "Excerpts",
    "trainer.title": "Trainer notes",
    "trainer.key_points": "Key points",
    "trainer.discussion": "Discussion",
    "trainer.misreadings": "Common misreadings",
    "trainer.minutes": "Suggested time: {minutes} min",
    # issue 14 · the static site, its handouts and print
    "site.named": "{label} “{title}”",
    "site.prev_named": "Previous: {named}",
    "site.next_named": "Next: {named}",
    "site.start": "Start here",
    "site.start_text": (
        "Read the notice first: what to study and how. Then take the texts in the order below."
    ),
    "site.start_pages": "Each text has a handout (with self-checks) and a worksheet to print.",
    "site.order": "Study order",
    "site.category_of": "Category: {category}",
    "site.category_modules": ": {labels}",
    "site.live_binder": "Study online (Binder)",
    "site.live_hub": "Study online (JupyterHub)",
    "site.trainer_entry": "For trainers: trainer guides and answer keys",
    "site.trainer_entry_note": " (with the answers; for trainers only)",
    "site.trainer_index": "Trainers' index",
    "site.learner_index": "Learners' index",
    "site.trainer_heading": "Trainer guides · {title}",
    "site.trainer_warning": (
        "This page and the trainer guides carry the answers and the trainer notes, for "
        "preparing and leading the sessions. Do not give them to learners."
    ),
    "site.trainer_guides": "Trainer guides",
    "site.print_title": "Printing worksheets",
    "site.print_text": (
        "Each worksheet's answer key starts on a new page headed “{heading}”. When "
        "printing for learners, choose only the pages before it in the print dialog."
    ),
    "worksheet.print_note": (
        "Printing (shown on screen only): the answer key starts on a new page headed "
        "“{heading}”. Print only the pages before it for learners."
    ),
    "checkpoint.answer_key_trainer": "Answer key · for the trainer · do not hand out",
    "checkpoint.cite": "See {place}",
    "checkpoint.cite_quote": "See {place}: “{quote}”",
    # issue 14 · live widgets, identity and times (helper C)
    "format.datetime": "{iso} {clock}",
    "learner.returning": "Continue as {name}?",
    "learner.continue": "Continue",
    "learner.continue_tip": "Continue studying as {name}",
    "learner.other": "Someone else",
    "learner.other_tip": "Not {name}: type your own name",
    "learner.switch": "Switch",
    "learner.switch_tip": "Let another learner study on this device",
    "record.unexported": (
        "You have work that is not exported: export it and send it to your trainer."
    ),
    "record.export_now": "Export now",
    "record.export_now_tip": "Make your record file and show its download buttons here",
    "checkpoint.reveal_locked": "The answer can be shown after {n} attempts ({done} so far)",
    "checkpoint.cite_live": "Show {place}",
    "checkpoint.cite_tip": "Show {place} here and mark it in the text",
    "checkpoint.cited_here": "{place} (the text above is at page {page}, the paragraph marked)",
    "checkpoint.cited_open": "Open {label} at ¶{paragraph}",
    "reader.cited": "¶{paragraph} is the paragraph a checkpoint cites: it is marked.",
    # issue 14 · interactive handout (the learner handout's inline script)
    "handout.learner": "Learner: {name}",
    "handout.change": "Someone else",
    "handout.saved_here": (
        "Your progress is kept in this browser only: download your record in good time "
        "and send it to your trainer."
    ),
    "handout.no_storage": (
        "This browser cannot keep your progress: download your record before you close the page."
    ),
    "handout.your_answer": "Your answer: {line}",
    "handout.download": "Download my record",
    "handout.downloaded": "Downloaded {file} at {time}",
    "handout.file": "record-{learner}.json",
    "handout.no_seal": "Open this page from an https address or as a file to download your record.",
    # issue 14 · course shell (start page, module navigation, Voilà page, trainer's JupyterLab)
    "shell.tab_title": "{label} · {title}",
    "shell.start_tab_title": "Start here · {course}",
    "shell.loading": "Opening the course, please wait…",
    "shell.contents": "← Contents",
    "shell.position": "Module {position} of {total}",
    "shell.module_welcome": (
        "Read the text first, then answer the checkpoints and write your reflections. "
        "Your work is saved as you go; before you leave, export your learning record at the "
        "end of the page and send it to your trainer."
    ),
    "shell.previous": "Previous: ",
    "shell.next": "Next: ",
    "shell.last": (
        "This is the last module. Go back to the contents, export your learning record and "
        "send it to your trainer."
    ),
    "shell.back": "Back to the contents",
    "shell.welcome": (
        "Welcome. This course has {modules} modules: start with “{first}” and go in order, "
        "reading each text, then answering its checkpoints and writing your reflections. "
        "Your work is saved on this computer as you go."
    ),
    "shell.run_all": "In JupyterLab, run all cells first: menu “Run → Run All Cells”.",
    "shell.parameters_note": (
        "This page's settings: which module, which language (written by coursekit build)"
    ),
    "shell.injected_note": "This page's settings (filled in by papermill)",
    "shell.modules_title": "Modules",
    "shell.col_module": "Module",
    "shell.col_progress": "My progress",
    "shell.not_started": "not started",
    "shell.progress": (
        "{read}; checkpoints right {correct} / {checkpoints}; reflections {written} / {reflections}"
    ),
    "shell.done": "done",
    "shell.overall": "{done} of {total} modules done",
    "trainer.view_title": "Trainer view",
    "trainer.view_pick": "Module",
    "trainer.view_open": "Open the learners' view of this module: {label} {title}",
    "trainer.view_none": "This module has no trainer notes.",
    "dashboard.upload": "Upload records",
    "dashboard.upload_tip": (
        "Choose the learning records learners sent (JSON or zip) to save them in the records folder"
    ),
    "dashboard.saved": "Saved {file} ({learner}).",
    "dashboard.saved_zip": "Saved the zip file {file}; the tables below check each record in it.",
    "dashboard.same": "{file} is in the folder already; not saved again.",
    "dashboard.refused": "Not saved {file}: {reason}",
    "dashboard.wrong_type": "only .json learning records and .zip files are taken",
    "dashboard.too_large": "too large ({size} bytes; the limit is {limit})",
    "dashboard.unanswered_title": "Checkpoints nobody has answered yet ({count})",
    "dashboard.counting": (
        "Except in “Right answers per learner”, every number counts people: each learner once."
    ),
    "dashboard.col_correct": "{label} (of {n})",
}

CATALOGUE: Final[dict[str, dict[str, str]]] = {"zh": _ZH, "en": _EN}


def check_lang(lang: str) -> Lang:
    """``lang`` if the catalogue has it; a :class:`ValueError` naming the choices if not."""
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")


def msg(lang: str, key: str, /, **fields: object) -> str:
    """The text for ``key`` in ``lang``, with ``fields`` filled in.

    A key missing from the catalogue is a programming error and raises ``KeyError``.
    """
    return CATALOGUE[check_lang(lang)][key].format(**fields)
