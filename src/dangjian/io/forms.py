from django import forms

from .readers import ACCEPTED_EXTENSIONS
from .uploads import UploadRejected, check_upload


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
        try:
            check_upload(upload, upload.name, size=upload.size)
        except UploadRejected as error:
            raise forms.ValidationError(str(error)) from error
        return upload
