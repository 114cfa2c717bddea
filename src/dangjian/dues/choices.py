from django.db import models


class DuesCategory(models.TextChoices):
    SALARIED = "salaried", "在职（领取工资）"
    RETIRED = "retired", "离退休"
    FARMER = "farmer", "农民"
    STUDENT = "student", "学生"
    RELIEF = "relief", "下岗失业、领取救济或最低生活保障"
    OTHER = "other", "其他（以上季度月平均纯收入计）"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "现金"
    TRANSFER = "transfer", "银行转账"
    WECHAT = "wechat", "微信"
    ALIPAY = "alipay", "支付宝"
    PAYROLL = "payroll", "工资代扣"
    OTHER = "other", "其他"
