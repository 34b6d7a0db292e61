"""Deletion calling: controls, DNA adequacy, replicates and one call per sample."""

from ikzf1assay.calling.calls import NOT_DETECTED, CallSettings, RunCalls, call_run
from ikzf1assay.calling.layout import read_layout

__all__ = ["NOT_DETECTED", "CallSettings", "RunCalls", "call_run", "read_layout"]
