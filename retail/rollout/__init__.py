"""The ward roll-out: the deployment criterion and each ward's computed state."""
