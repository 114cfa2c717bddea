"""Copy the pinned front-end files from node_modules/ into src/dangjian/static/vendor/."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "dangjian" / "static" / "vendor"

FILES = {
    "bootstrap": ["dist/css/bootstrap.min.css", "dist/js/bootstrap.bundle.min.js", "LICENSE"],
    "htmx": ["dist/htmx.min.js", "LICENSE"],
    "echarts": ["dist/echarts.min.js", "LICENSE"],
    "bootstrap-icons": ["font/bootstrap-icons.min.css", "LICENSE"],
}
PACKAGES = {"htmx": "htmx.org"}


def main() -> None:
    for target, files in FILES.items():
        source = MODULES / PACKAGES.get(target, target)
        (VENDOR / target).mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copy2(source / name, VENDOR / target / Path(name).name)
    fonts = VENDOR / "bootstrap-icons" / "fonts"
    fonts.mkdir(exist_ok=True)
    for font in (MODULES / "bootstrap-icons" / "font" / "fonts").iterdir():
        shutil.copy2(font, fonts / font.name)
    print(f"已更新 {VENDOR}")


if __name__ == "__main__":
    main()
