"""The WSGI module gunicorn loads has every view and task module imported before its first request."""

import subprocess
import sys

from django.conf import settings


def test_the_wsgi_application_imports_the_views_and_tasks_while_it_boots():
    program = (
        "import sys; import cxowner.wsgi; "
        "print(all(name in sys.modules for name in ('ownership.editor.api', 'ownership.gaps.tasks')))"
    )
    env = {"DEBUG": "true", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"


def test_the_booted_wsgi_process_leaves_its_startup_objects_out_of_garbage_collections():
    program = "import gc; import cxowner.wsgi; print(gc.get_freeze_count() > 100_000)"
    env = {"DEBUG": "true", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
