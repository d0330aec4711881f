"""Reference networks built from code (no downloads): float ONNX models and their inputs."""

from snaxc.models.calibration import input_shapes, random_inputs, write_calibration
from snaxc.models.networks import NETWORKS, cnn, dscnn, mlp, resnet8

__all__ = [
    "NETWORKS",
    "cnn",
    "dscnn",
    "input_shapes",
    "mlp",
    "random_inputs",
    "resnet8",
    "write_calibration",
]
