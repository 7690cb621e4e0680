"""Audit codes of the certification app (accounts, campaigns, barred units), with their display labels.

Registered from `CertificationConfig.ready()` through `certification.logdisplay.register()`.
"""

LABELS = {
    "certification.user.registered": "注册申请人账号",
    "certification.user.email_verified": "验证电子邮箱",
    "certification.campaign.created": "创建认证活动",
    "certification.campaign.changed": "修改认证活动",
    "certification.campaign.published": "发布认证活动",
    "certification.campaign.unpublished": "撤回认证活动",
    "certification.campaign.closed": "结束认证活动",
    "certification.barred_unit.barred": "取消单位申报资格",
}
