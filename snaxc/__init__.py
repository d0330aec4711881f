"""snaxc: a hardware/software co-design framework for SNAX-style accelerator clusters."""

__version__ = "0.1.0"
