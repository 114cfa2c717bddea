from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .readers import ACCEPTED_EXTENSIONS, extension_of


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="选择文件",
        help_text="支持 .xlsx、.xls、.ods、.csv（UTF-8 或 GBK 编码）",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
        error_messages={"required": "请选择要导入的文件", "empty": "文件是空的"},
    )
    keep_valid = forms.BooleanField(
        label="仅导入无误的行",
        required=False,
        help_text="不勾选时，文件中只要有一行错误就全部不导入",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = extension_of(upload.name)
        if extension not in ACCEPTED_EXTENSIONS:
            raise forms.ValidationError(
                f"不支持“{extension or '无扩展名'}”格式的文件，请上传 .xlsx、.xls、.ods 或 .csv 文件"
            )
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件太大（{filesizeformat(upload.size)}），最大允许 {filesizeformat(limit)}；请拆分后分批导入"
            )
        return upload
