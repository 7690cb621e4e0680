"""Audit codes of the applicants app, with their display labels (registered from `ApplicantsConfig.ready()`)."""

LABELS = {
    "applicants.application.started": "创建申报书草稿",
    "applicants.application.submitted": "提交申报书",
    "applicants.application.paid": "缴费完成，进入资格审查",
    "applicants.application.withdrawn": "取消报名",
    "applicants.application.resubmitted": "修改后重新提交",
    "applicants.application.imported": "旧平台数据导入",
    "applicants.legacy_import.created": "旧平台数据导入任务创建",
    "applicants.legacy_import.rerun": "旧平台数据导入任务重新运行",
    "applicants.legacy_import.started": "旧平台数据导入开始",
    "applicants.legacy_import.failed": "旧平台数据导入失败",
    "applicants.legacy_import.done": "旧平台数据导入完成",
    "applicants.legacy_import.interrupted": "旧平台数据导入中断（工作进程无心跳）",
    "applicants.legacy_import.resumed": "旧平台数据导入继续",
    "applicants.legacy_import.file_deleted": "旧平台导入文件已按保留期限删除",
}
