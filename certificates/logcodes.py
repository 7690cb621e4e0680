"""Audit codes of the publication stage (notice, complaints, certificates) and their labels."""

LABELS = {
    "certificates.notice.scheduled": "公示已安排",
    "certificates.notice.opened": "公示开始",
    "certificates.notice.closed": "公示结束",
    "certificates.complaint.lodged": "收到投诉",
    "certificates.complaint.investigating": "投诉调查中",
    "certificates.complaint.noted": "记录投诉调查情况",
    "certificates.complaint.upheld": "投诉查实，取消认证",
    "certificates.complaint.dismissed": "投诉不予支持",
    "certificates.batch.started": "开始生成证书",
    "certificates.batch.finished": "证书生成结束",
    "certificates.certificate.issued": "颁发证书",
    "certificates.certificate.revoked": "撤销证书",
    "certificates.demo.eligible": "演示数据：资格审查通过（破格认证）",
    "certificates.demo.certified": "演示数据：认证通过",
}
