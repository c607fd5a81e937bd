"""The program each Samza container runs (installed as samza_py.container)."""
