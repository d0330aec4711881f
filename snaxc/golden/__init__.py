"""Bit-exact numpy models of the cluster's hardware blocks.

The RTL block tests, the system tests and the compiler all check against these models.
"""
