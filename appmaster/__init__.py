"""The ApplicationMaster program that skein runs in the YARN AM container (installed as samza_py.appmaster)."""
