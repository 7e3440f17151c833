"""Rules the platform applies, written once for the simulator and the services alike: pure
functions of a protocol's values (``shoutu.protocols``) and the domain's vocabulary."""
