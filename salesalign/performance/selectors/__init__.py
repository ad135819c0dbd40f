"""Reads of the performance app, one module per part: periods, feedback, 360° rounds,
improvement actions, retrospectives; `access` decides who may do what."""
