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
    "reader.definition": "{term}：{definition}",
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
    "learner.empty": "姓名不能为空。",
    "learner.needed": "请先在上方填写姓名，再作答。",
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
    # published site
    "site.handout": "学习讲义",
    "site.worksheet": "练习纸",
    "site.trainer": "培训者指南",
    "site.index": "目录",
    "site.prev": "上一篇",
    "site.next": "下一篇",
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
    "dashboard.skipped": "跳过 {file}：{reason}",
    "dashboard.reading_title": "阅读完成情况",
    "dashboard.completion_title": "各学员答对题数",
    "dashboard.checkpoints_title": "检查题：首次作答正确率（由低到高）",
    "dashboard.reflections_title": "学习体会摘编",
    "dashboard.learner": "学员",
    "dashboard.share": "比例",
    "dashboard.read": "读完人数",
    "dashboard.correct": "答对",
    "dashboard.prompt": "题目",
    "dashboard.learners": "作答人数",
    "dashboard.first": "首次正确率",
    "dashboard.wrong": "常见错误答案",
    "dashboard.responses": "作答人数",
    "dashboard.median": "中位字数",
    "dashboard.module": "模块",
    "dashboard.title": "标题",
    "dashboard.excerpts": "摘录",
    # trainer notes
    "trainer.title": "辅导提示",
    "trainer.key_points": "要点",
    "trainer.discussion": "讨论题",
    "trainer.misreadings": "常见误读",
    "trainer.minutes": "建议用时：{minutes} 分钟",
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
    "reader.definition": "{term}: {definition}",
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
    "learner.empty": "The name cannot be empty.",
    "learner.needed": "Type your name above before you answer.",
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
    # published site
    "site.handout": "Handout",
    "site.worksheet": "Worksheet",
    "site.trainer": "Trainer guide",
    "site.index": "Contents",
    "site.prev": "Previous",
    "site.next": "Next",
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
    "dashboard.skipped": "Skipped {file}: {reason}",
    "dashboard.reading_title": "Reading",
    "dashboard.completion_title": "Checkpoints right, per learner",
    "dashboard.checkpoints_title": "Checkpoints: share right at the first try (lowest first)",
    "dashboard.reflections_title": "Reflections digest",
    "dashboard.learner": "Learner",
    "dashboard.share": "Share",
    "dashboard.read": "Read",
    "dashboard.correct": "Right",
    "dashboard.prompt": "Question",
    "dashboard.learners": "Learners",
    "dashboard.first": "Right at first try",
    "dashboard.wrong": "Commonest wrong answers",
    "dashboard.responses": "Responses",
    "dashboard.median": "Median length",
    "dashboard.module": "Module",
    "dashboard.title": "Title",
    "dashboard.excerpts": "Excerpts",
    "trainer.title": "Trainer notes",
    "trainer.key_points": "Key points",
    "trainer.discussion": "Discussion",
    "trainer.misreadings": "Common misreadings",
    "trainer.minutes": "Suggested time: {minutes} min",
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
