"""A Brian2 device: ``import modelc.brian2`` registers it, then ``set_device('modelc')`` runs
unchanged Brian2 (and Dendrify) scripts on modelc (docs/brian2.md).

    from brian2 import *
    import modelc.brian2
    set_device('modelc', backend='cpu', threads=2)
    ...            # the script as it was
    run(1*second)  # translated to the model IR, compiled and run by modelc; monitors filled
"""
from brian2.devices.device import all_devices

from .device import ModelcDevice, modelc_device

__all__ = ["ModelcDevice", "modelc_device"]

all_devices["modelc"] = modelc_device
