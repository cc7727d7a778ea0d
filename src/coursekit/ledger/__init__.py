"""The branch's study ledger (学习台账): the documents a branch secretary files.

Per branch, from a store or from learners' record files (``coursekit ledger``):

* 学习登记表 (XLSX): one row per member, what they read and when, what they
  answered and how many right at the first try, their reflections and lengths;
* 主题党日活动记录 (DOCX): the activity record, its theme, dates, format and
  content from the course, participation from the work, blanks to sign;
* 心得体会汇编 (DOCX): every reflection, grouped by prompt, with a contents list.

:mod:`coursekit.ledger.data` gathers what they say; the writers turn it into files.
Ledgers hold members' names and writing: they go to the trainer's folder only,
never into ``site/`` or git.
"""
