"""The Demo City simulator: population, places, daily schedules (and, next, disease and
interventions). Its step order is written once, in ``engine.py``; every random decision draws
from its own named stream (``rng.py``)."""
