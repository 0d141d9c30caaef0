"""The scanner engines this machine can run: `re` always, grep where there is one, Hyperscan where
the optional extra is installed."""
import shutil

ENGINES = ["re"]
if shutil.which("grep"):
    ENGINES.append("grep")
try:
    import hyperscan  # noqa: F401
    ENGINES.append("hyperscan")
except ImportError:
    pass
