# Dockhand: `make run` starts the demo, `make test` runs every test. Needs only Python 3.11.
PYTHON ?= python3.11
VENV := .venv
# Three test workers (pytest-xdist) on a 2-core machine: the stack, fault and browser tests spend much of their time
# waiting (a broker frozen for 20 s, a server starting), and a third worker fills those cores. On one busy 2-core
# machine pytest took 9:36-11:22 with three, against 11:49 and 11:57 with two; on a quiet one, 5:41-6:21 with three.
# PYTEST_WORKERS=0 runs it in one process.
# worksteal: a worker that runs dry takes tests queued for another, so the slow stack tests at the end do not
# leave a core idle.
PYTEST_WORKERS ?= 3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint check bench worker beat clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Dockhand needs $(PYTHON) on PATH (or: make PYTHON=/path/to/python3.11 ...)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Dockhand is starting on http://127.0.0.1:8000  (log in with a demo user above)"
	@echo "Watch orders flow in from a second terminal: $(PY) manage.py simulate_storefront --orders 20 --rate 2"
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	  DJANGO_ALLOWED_HOSTS=dockhand.example DOCKHAND_PUBLIC_URL=https://dockhand.example \
	  DATABASE_URL=$${DATABASE_URL:-postgres://dockhand@127.0.0.1:5432/dockhand} \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	  DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
	  $(PY) manage.py check --deploy --fail-level WARNING
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# A laptop's worker and beat use the local settings; a deployment's use production (Procfile, deploy/).
worker: $(STAMP)
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} $(VENV)/bin/celery -A config worker -l info

beat: $(STAMP)
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} $(VENV)/bin/celery -A config beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media private .pytest_cache
